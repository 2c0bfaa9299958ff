"""Assessments and their ordered items."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", order_by="AssessmentItem.position"
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
