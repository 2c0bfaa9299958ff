"""Coding submissions and their grading state (DESIGN.md §7)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    GRADING_FAILED = "grading_failed"


class SubmissionPurpose(StrEnum):
    RUN = "run"  # the candidate's "run the public checks"
    FINAL = "final"  # graded at submit, hidden cases included; counts toward the score
    PRACTICE = "practice"  # the unscored practice task of the landing page (public cases)


class Submission(Base):
    """One source file to grade; committed before it is queued, and the queue carries its id."""

    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_attempt_question", "attempt_id", "question_id"),
        Index("ix_submission_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    # None for a practice run: its task is the practice task loaded at start, not a question.
    question_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("question_version.id"))
    purpose: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16), default="python", server_default="python")
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.QUEUED)
    tries: Mapped[int] = mapped_column(default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker holding the lease (grading_worker.id; no foreign key: a dead worker's row goes
    # while its submissions stay), and when the id was last sent to the broker (the watchdog
    # re-sends what waited too long: a broker restart, a crash between commit and send).
    worker_id: Mapped[uuid.UUID | None]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    verdict: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    # The recruiter's view of the report; the candidate's view is derived from the same report
    # by the judge and stored beside it, so no hidden data is ever recomputed on a read path.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    candidate_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
