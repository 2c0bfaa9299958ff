"""Assessments and their ordered items."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.question import QuestionVersion


class Assessment(Base):
    __tablename__ = "assessment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    time_limit_minutes: Mapped[int]
    template: Mapped[str | None] = mapped_column(String(80))
    # Whether a candidate sees their score on the end page once everything is graded.
    candidates_see_results: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The share of the points (0-100) that passes; None: no pass mark.
    pass_mark_percent: Mapped[int | None]
    # Each candidate's questions in an order drawn from their seed (else the builder's order).
    shuffle_questions: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each candidate's choices in an order drawn from their seed (else as written).
    shuffle_choices: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The seed a role template's form was drawn with, so the drawing can be reproduced.
    form_seed: Mapped[int | None] = mapped_column(BigInteger)
    # An archived assessment is closed: no new invitations, no new starts.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", order_by="AssessmentItem.position"
    )
    pools: Mapped[list[AssessmentPool]] = relationship(
        back_populates="assessment", order_by="AssessmentPool.position"
    )


class AssessmentItem(Base):
    __tablename__ = "assessment_item"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"))
    position: Mapped[int]
    question_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("question_version.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    question: Mapped[QuestionVersion] = relationship()


class AssessmentPool(Base):
    """`count` questions of `kind` with `skill` at `difficulty`, drawn per candidate."""

    __tablename__ = "assessment_pool"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # concept | coding
    skill: Mapped[str] = mapped_column(String(40))
    difficulty: Mapped[int]
    count: Mapped[int]

    assessment: Mapped[Assessment] = relationship(back_populates="pools")
