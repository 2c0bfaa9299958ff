"""Attempts, their saved answers and their scores."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.assessment import Assessment
from app.models.candidate import Candidate, Invitation
from app.models.question import QuestionVersion


class AttemptStatus(StrEnum):
    INVITED = "invited"
    STARTED = "started"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class Attempt(Base):
    __tablename__ = "attempt"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    invitation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invitation.id"), unique=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidate.id"), index=True)
    # The name this invitation was sent under: inviting the same e-mail later under another
    # name must not rename the candidate in earlier results.
    candidate_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Parameterized questions and hidden test cases are drawn from this seed.
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.INVITED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the score became final (nothing left grading): set once, so attempt.graded goes once.
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Integrity events received, stored or not: the per-attempt cap is enforced on this counter.
    events_received: Mapped[int] = mapped_column(default=0, server_default="0")

    assessment: Mapped[Assessment] = relationship()
    candidate: Mapped[Candidate] = relationship()
    invitation: Mapped[Invitation] = relationship()
    score: Mapped[Score | None] = relationship(back_populates="attempt")
    items: Mapped[list[AttemptItem]] = relationship(order_by="AttemptItem.position")


class AttemptItem(Base):
    """One question of this attempt's form, drawn at invitation and never changed after."""

    __tablename__ = "attempt_item"

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("question_version.id"))

    question: Mapped[QuestionVersion] = relationship()


class Answer(Base):
    """The latest saved response to one question; `revision` counts the saves."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnswerRevision(Base):
    """A kept revision of a coding answer, in a ring of slots so only the latest ones stay.

    `seq` counts the kept revisions of the question (1, 2, ...), all languages together;
    revision `seq` lives in slot `(seq - 1) % HISTORY_SLOTS` of its language's ring, where it
    can only be overwritten by a newer revision in the same language: the latest draft of every
    language stays, however long the candidate then writes in another.
    """

    __tablename__ = "answer_revision"
    __table_args__ = (
        Index("ix_answer_revision_seq", "attempt_id", "question_id", "seq", unique=True),
    )

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True, server_default="python")
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    revision: Mapped[int]  # the answer's revision this source was saved as
    source: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuestionFlag(Base):
    """A question the candidate flagged for review; the row exists only while it is flagged."""

    __tablename__ = "question_flag"

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Score(Base):
    __tablename__ = "score"

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), primary_key=True)
    score: Mapped[float]
    max_score: Mapped[float]
    per_skill: Mapped[dict[str, Any]] = mapped_column(JSON)
    per_question: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="score")
