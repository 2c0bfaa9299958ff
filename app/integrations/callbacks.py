"""Mark an ATS order's completion callback due (sent by the outbound loop, retried there)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import GreenhouseOrder


def completion_due(session: Session, *, attempt_id: uuid.UUID, at: datetime) -> None:
    """If Greenhouse sent this attempt, its completion PATCH is due from `at`."""
    session.execute(
        update(GreenhouseOrder)
        .where(GreenhouseOrder.attempt_id == attempt_id, GreenhouseOrder.callback_done_at.is_(None))
        .values(callback_next_attempt_at=at, callback_tries=0)
    )
