"""Upsert bank items into question_version by id and content hash."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.bank.loader import LoadedConcept
from app.models import QuestionVersion


@dataclass(frozen=True)
class QuestionPayload:
    question_id: str
    version: str
    kind: str
    skills: list[str]
    difficulty: int
    points: float
    content: dict[str, Any]


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)


def concept_payloads(concepts: Iterable[LoadedConcept]) -> list[QuestionPayload]:
    return [
        QuestionPayload(
            question_id=c.item.id,
            version=c.version,
            kind=c.item.kind.value,
            skills=[s.value for s in c.item.skills],
            difficulty=c.item.difficulty,
            points=c.item.points,
            content=c.item.model_dump(mode="json"),
        )
        for c in concepts
    ]


def sync_bank(session: Session, payloads: Iterable[QuestionPayload]) -> SyncReport:
    """Make the bank's current versions match `payloads`; earlier versions stay for old attempts."""
    report = SyncReport()
    current = {
        q.question_id: q
        for q in session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.source == "bank", QuestionVersion.is_current.is_(True)
            )
        )
    }
    wanted = {p.question_id: p for p in payloads}
    for question_id, payload in wanted.items():
        existing = current.get(question_id)
        if existing is not None and existing.version == payload.version:
            report.unchanged += 1
            continue
        if existing is not None:
            existing.is_current = False
            report.new_versions.append(question_id)
        else:
            report.created.append(question_id)
        session.flush()
        _make_current(session, payload)
    for question_id in current.keys() - wanted.keys():
        current[question_id].is_current = False
        report.retired.append(question_id)
    session.commit()
    return report


def _make_current(session: Session, payload: QuestionPayload) -> None:
    """Revive a version seen before (an edit reverted) or add a new one."""
    revived = session.execute(
        update(QuestionVersion)
        .where(
            QuestionVersion.question_id == payload.question_id,
            QuestionVersion.version == payload.version,
            QuestionVersion.source == "bank",
        )
        .values(is_current=True)
    )
    if revived.rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            QuestionVersion(
                question_id=payload.question_id,
                version=payload.version,
                organization_id=None,
                source="bank",
                kind=payload.kind,
                skills=payload.skills,
                difficulty=payload.difficulty,
                points=payload.points,
                content=payload.content,
                is_current=True,
            )
        )
