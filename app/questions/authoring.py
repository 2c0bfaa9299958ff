"""Author an organization's own questions: create, edit (a new version each time), archive.

Concept questions are checked here and made at once. A coding task is checked for shape here
(nothing runs) and then waits in a QuestionValidation row for the judge, off the request: the
caller queues the returned validation's id after this commit, and the grading side makes the
version once the reference gets full marks through the sandbox and the starter does not.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.bank.loader import content_version
from app.bank.schemas import QuestionKind
from app.db import utcnow
from app.errors import QuestionNotFoundError
from app.models import QuestionValidation, QuestionVersion, ValidationStatus
from app.questions.coding import coding_content
from app.questions.concepts import concept_item
from app.questions.drafts import QuestionDraft
from app.questions.errors import (
    QuestionArchivedError,
    QuestionChangedError,
    QuestionNotCustomError,
    ValidationNotFoundError,
)

_OPEN = (ValidationStatus.QUEUED, ValidationStatus.RUNNING)


@dataclass(frozen=True)
class Authored:
    """What a create or an edit gave: the current version, and a validation when one waits."""

    question_id: str
    version: QuestionVersion | None
    validation: QuestionValidation | None


def new_question_id() -> str:
    # Letters and digits only: valid both as a concept item id and as a coding task id.
    return "cq" + secrets.token_hex(6)


def create_question(
    session: Session, *, organization_id: uuid.UUID, draft: QuestionDraft
) -> Authored:
    """Add a custom question (concept: made now; coding: queued for the judge)."""
    return _author(session, organization_id, new_question_id(), draft, base=None)


def etag(session: Session, *, organization_id: uuid.UUID, question_id: str) -> str:
    """A strong validator of what an edit replaces: the current version and the latest check."""
    current = session.scalar(
        select(QuestionVersion.id).where(
            QuestionVersion.question_id == question_id, QuestionVersion.is_current.is_(True)
        )
    )
    latest = latest_validation(session, organization_id=organization_id, question_id=question_id)
    state = f"{current}:{latest.id if latest is not None else None}"
    return f'"{hashlib.sha256(state.encode()).hexdigest()[:32]}"'


def update_question(
    session: Session,
    *,
    organization_id: uuid.UUID,
    question_id: str,
    draft: QuestionDraft,
    if_match: str | None = None,
) -> Authored:
    """Edit a custom question: a new version, while attempts keep the version they saw.

    With `if_match`, only if nobody edited it (or sent it to the judge) since that read.
    """
    if if_match is not None:
        # PostgreSQL: edits of one question wait for each other here, so two cannot both match
        # (SQLite's write transactions are serialized already).
        session.execute(
            select(QuestionVersion.id)
            .where(QuestionVersion.question_id == question_id, QuestionVersion.is_current.is_(True))
            .with_for_update()
        )
        now = etag(session, organization_id=organization_id, question_id=question_id)
        if if_match.strip() not in ("*", now):
            raise QuestionChangedError(
                "Someone edited this question since you read it; read it again and retry.",
                etag=now,
            )
    try:
        base = own_current(session, organization_id=organization_id, question_id=question_id)
    except QuestionNotFoundError:
        # A coding task the judge has not accepted yet has no version, only its checks.
        if (
            latest_validation(session, organization_id=organization_id, question_id=question_id)
            is None
            or draft.kind is not QuestionKind.CODING
        ):
            raise
        return _author(session, organization_id, question_id, draft, base=None)
    if base.archived_at is not None:
        raise QuestionArchivedError("Restore the question before editing it.")
    if base.kind != draft.kind and QuestionKind.CODING in (base.kind, draft.kind):
        raise QuestionNotCustomError("A concept question cannot become a coding task.")
    return _author(session, organization_id, question_id, draft, base=base)


def archive_question(
    session: Session, *, organization_id: uuid.UUID, question_id: str
) -> QuestionVersion:
    """Take a custom question out of the library and new assessments (pinned versions stay)."""
    current = own_current(session, organization_id=organization_id, question_id=question_id)
    if current.archived_at is None:
        current.archived_at = utcnow()
    _supersede_open(session, organization_id, question_id)
    session.commit()
    return current


def own_current(
    session: Session, *, organization_id: uuid.UUID, question_id: str
) -> QuestionVersion:
    """The current version of a question this organization may edit (404 for others' ids)."""
    current = session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question_id, QuestionVersion.is_current.is_(True)
        )
    )
    if current is None or current.organization_id not in (None, organization_id):
        raise QuestionNotFoundError(f"No question {question_id!r}.")
    if current.source != "custom":
        raise QuestionNotCustomError("Bank questions are shared: copy one into a new question.")
    return current


def get_validation(
    session: Session, *, organization_id: uuid.UUID, validation_id: uuid.UUID
) -> QuestionValidation:
    validation = session.get(QuestionValidation, validation_id)
    if validation is None or validation.organization_id != organization_id:
        raise ValidationNotFoundError(f"No validation {validation_id}.")
    return validation


def latest_validation(
    session: Session, *, organization_id: uuid.UUID, question_id: str
) -> QuestionValidation | None:
    """The newest judge check of a question's edits, whatever its outcome."""
    return session.scalar(
        select(QuestionValidation)
        .where(
            QuestionValidation.organization_id == organization_id,
            QuestionValidation.question_id == question_id,
        )
        .order_by(QuestionValidation.created_at.desc())
        .limit(1)
    )


def _author(
    session: Session,
    organization_id: uuid.UUID,
    question_id: str,
    draft: QuestionDraft,
    *,
    base: QuestionVersion | None,
) -> Authored:
    if draft.kind is QuestionKind.CODING:
        built = coding_content(question_id, draft)
        _supersede_open(session, organization_id, question_id)
        validation = QuestionValidation(
            organization_id=organization_id,
            question_id=question_id,
            base_version_id=base.id if base else None,
            content=built.content,
            skills=[s.value for s in draft.skills],
            difficulty=draft.difficulty,
            points=draft.points,
            status=ValidationStatus.QUEUED,
        )
        session.add(validation)
        session.commit()
        return Authored(question_id, base, validation)
    item = concept_item(question_id, draft)
    content = item.model_dump(mode="json")
    version = make_current(
        session,
        organization_id=organization_id,
        question_id=question_id,
        version=content_version(content),
        kind=item.kind.value,
        skills=[s.value for s in item.skills],
        difficulty=item.difficulty,
        points=item.points,
        content=content,
    )
    session.commit()
    return Authored(question_id, version, None)


def make_current(
    session: Session,
    *,
    organization_id: uuid.UUID,
    question_id: str,
    version: str,
    kind: str,
    skills: list[str],
    difficulty: int,
    points: float,
    content: dict[str, object],
) -> QuestionVersion:
    """Make this content the question's current version (reviving it if seen before); no commit.

    Versions are immutable (caches key on their id), so an edit never changes a row that an
    assessment or an attempt may have pinned.
    """
    rows = session.scalars(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question_id,
            QuestionVersion.organization_id == organization_id,
        )
    ).all()
    same = next((r for r in rows if r.version == version), None)
    for row in rows:
        if row is not same and row.is_current:
            row.is_current = False
    session.flush()
    if same is None:
        same = QuestionVersion(
            question_id=question_id,
            version=version,
            organization_id=organization_id,
            source="custom",
            kind=kind,
            skills=skills,
            difficulty=difficulty,
            points=points,
            content=content,
            is_current=True,
        )
        session.add(same)
    same.is_current = True
    same.archived_at = None
    session.flush()
    return same


def _supersede_open(session: Session, organization_id: uuid.UUID, question_id: str) -> None:
    # A later edit wins: a check still waiting or running for an earlier one must not land.
    session.execute(
        update(QuestionValidation)
        .where(
            QuestionValidation.organization_id == organization_id,
            QuestionValidation.question_id == question_id,
            QuestionValidation.status.in_(_OPEN),
        )
        .values(
            status=ValidationStatus.FAILED,
            message="Superseded by a later edit.",
            lease_expires_at=None,
            finished_at=utcnow(),
        )
    )
