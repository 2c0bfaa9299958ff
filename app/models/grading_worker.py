"""Grading workers alive right now: an identity and a heartbeat (issue 13).

A worker that stops beating (kill -9, a lost machine) is declared dead by any other worker's
watchdog, which releases the leases it held at once instead of waiting for them to expire.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class GradingWorker(Base):
    __tablename__ = "grading_worker"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # host:pid, for people reading the table; the id is what submissions point at.
    name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
