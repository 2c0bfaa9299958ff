"""Integrity signals the candidate page reports (paste, copy, leaving the tab): never blocking."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class IntegrityEvent(Base):
    __tablename__ = "integrity_event"

    # An integer key keeps the order events arrived in (SQLite needs INTEGER for its rowid).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the page saw it, in server time
    question_id: Mapped[str | None] = mapped_column(String(80))
    length: Mapped[int | None] = mapped_column(BigInteger)  # paste/copy: characters
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)  # tab_hidden/window_blur
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
