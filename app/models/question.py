"""Question versions: bank items and an organization's custom items, one row per content hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
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
