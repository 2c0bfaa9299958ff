"""Read-mostly lookups of the candidate hot path, cached per process.

A token always names the same attempt and an attempt's form never changes once it is drawn
(at invitation, versions pinned), so both are safe to cache without invalidation.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attempts.responses import QuestionSpec
from app.errors import InvitationNotFoundError
from app.models import Attempt, AttemptItem, Invitation, QuestionVersion
from app.organizations.service import hash_secret

_MAX_CACHED = 10_000
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class AttemptRef:
    attempt_id: uuid.UUID
    assessment_id: uuid.UUID


class _BoundedCache(Generic[K, V]):
    def __init__(self) -> None:
        self._data: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._data) >= _MAX_CACHED:
                self._data.clear()
            self._data[key] = value


_refs: _BoundedCache[str, AttemptRef] = _BoundedCache()
_specs: _BoundedCache[uuid.UUID, dict[str, QuestionSpec]] = _BoundedCache()


def cached_attempt_ref(token: str) -> AttemptRef | None:
    return _refs.get(hash_secret(token))


def cached_question_specs(attempt_id: uuid.UUID) -> dict[str, QuestionSpec] | None:
    return _specs.get(attempt_id)


def attempt_ref(session: Session, token: str) -> AttemptRef:
    """Resolve an invitation token to its attempt, or raise InvitationNotFoundError."""
    token_hash = hash_secret(token)
    ref = _refs.get(token_hash)
    if ref is None:
        row = session.execute(
            select(Attempt.id, Attempt.assessment_id)
            .join(Invitation, Invitation.id == Attempt.invitation_id)
            .where(Invitation.token_hash == token_hash)
        ).first()
        if row is None:
            raise InvitationNotFoundError("This invitation link is not valid.")
        ref = AttemptRef(row.id, row.assessment_id)
        _refs.put(token_hash, ref)
    return ref


def question_specs(session: Session, attempt_id: uuid.UUID) -> dict[str, QuestionSpec]:
    """Map each question id of the attempt's form to what validating a response needs."""
    specs = _specs.get(attempt_id)
    if specs is None:
        rows = session.execute(
            select(QuestionVersion.question_id, QuestionVersion.kind, QuestionVersion.content)
            .join(AttemptItem, AttemptItem.question_version_id == QuestionVersion.id)
            .where(AttemptItem.attempt_id == attempt_id)
        )
        specs = {r.question_id: QuestionSpec.from_content(*r) for r in rows}
        _specs.put(attempt_id, specs)
    return specs
