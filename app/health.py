"""What /readyz reports: the database, the broker and the judge, each ok or why not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.db import utcnow
from app.grading import watchdog
from app.grading.workers import Timing


def readiness_checks(state: Any) -> dict[str, str]:
    """Never raises: a failing dependency is reported by name and error type, never its text
    (a driver's message can carry a connection string)."""
    checks: dict[str, str] = {}
    live: int | None = None
    try:
        with state.read_sessionmaker() as session:
            session.execute(text("SELECT 1"))
            grading = getattr(state, "grading", None)
            if grading is not None and not grading.embedded:
                timing = Timing.from_settings(state.settings)
                live = watchdog.live_workers(session, utcnow(), timing.dead_after)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; report it, don't raise
        checks["database"] = f"error: {type(exc).__name__}"
    grading = getattr(state, "grading", None)
    checks["broker"] = grading.broker() if grading is not None else "not started"
    if grading is not None and not grading.embedded:
        checks["judge"] = (
            f"ok ({live} worker{'s' if live != 1 else ''})"
            if live
            else "no live worker: coding answers wait in the database"
        )
    else:
        checks["judge"] = getattr(state, "judge_status", "not started")
    return checks
