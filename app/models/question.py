"""Question versions: bank items and an organization's custom items, one row per content hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class QuestionVersion(Base):
    """An immutable version of a question; assessments pin the version they were built with."""

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        Index("ix_question_version_current", "is_current", "question_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    question_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    source: Mapped[str] = mapped_column(String(16))  # "bank" | "custom"
    kind: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JSON)
    difficulty: Mapped[int]
    points: Mapped[float]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Custom questions only: archived questions leave the library and new assessments, while
    # assessments that pinned a version keep it.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ValidationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    ACCEPTED = "accepted"  # a new current version was made from it
    REJECTED = "rejected"  # the judge's report says why (the reference, or the starter)
    FAILED = "failed"  # the judge itself could not run it: never a verdict on the task


class QuestionValidation(Base):
    """A custom coding task waiting for (or done with) the judge's check before it is used.

    Committed before it is queued, and the queue carries its id, like a submission: the
    reference must get full marks through the sandbox and the starter must not.
    """

    __tablename__ = "question_validation"
    __table_args__ = (
        Index("ix_question_validation_org_question", "organization_id", "question_id"),
        Index("ix_question_validation_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    # The question version this edit started from (None for a new question).
    base_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("question_version.id"))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    skills: Mapped[list[str]] = mapped_column(JSON)
    difficulty: Mapped[int]
    points: Mapped[float]
    status: Mapped[str] = mapped_column(String(16), default=ValidationStatus.QUEUED)
    tries: Mapped[int] = mapped_column(default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(Text)
    # The judge's reports (recruiter view) of the reference and the starter, per seed.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    question_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("question_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
