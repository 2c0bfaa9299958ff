"""Greenhouse assessment partner orders (one per send_test) and the errors Greenhouse reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class GreenhouseOrder(Base):
    """A test sent through Greenhouse; its id is the `partner_interview_id` Greenhouse keeps."""

    __tablename__ = "greenhouse_order"
    __table_args__ = (
        Index("ix_greenhouse_order_callback_due", "callback_next_attempt_at"),
        UniqueConstraint("organization_id", "request_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempt.id"), unique=True)
    # What makes two send_test calls the same (test, e-mail, profile url), hashed: Greenhouse
    # retries send_test without an Idempotency-Key, and a retry must not invite twice.
    request_key: Mapped[str | None] = mapped_column(String(64))
    # Where the completion PATCH goes, and the API key it authenticates with is the one that
    # sent the test (its hash only: the PATCH carries the key Greenhouse gave us, kept below).
    callback_url: Mapped[str] = mapped_column(String(2000))
    # Greenhouse authenticates our PATCH with the same key it calls us with; we keep what it
    # sent, sealed (app.sealing), because only the key's hash is stored anywhere else.
    callback_key: Mapped[str] = mapped_column(String(500))
    sent_by: Mapped[str | None] = mapped_column(String(320))
    greenhouse_profile_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The completion PATCH: due from the moment the attempt is graded, retried like webhooks.
    callback_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_tries: Mapped[int] = mapped_column(default=0)
    callback_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_last_error: Mapped[str | None] = mapped_column(String(500))


class IntegrationError(Base):
    """An error Greenhouse reported about one of our responses (response_error), for the org."""

    __tablename__ = "integration_error"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    api_call: Mapped[str] = mapped_column(String(100))
    errors: Mapped[list[str]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
