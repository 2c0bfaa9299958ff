"""How this process reaches the grading queue, chosen by settings (DESIGN.md §9).

- Embedded default (no BROKER_URL): Dramatiq's in-process broker, and a grading worker on
  threads of this process.
- Scaled (BROKER_URL): this process only sends ids to Redis; `chainrule worker` processes grade.

The queue carries only submission ids, sent after the submission is committed; the database is
the source of truth and the workers' watchdog re-sends whatever a broker lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.grading.broker import DramatiqQueue, GradingActors, broker_status, make_broker
from app.grading.check_queue import CheckQueue, HeldCheckQueue, LocalCheckPool, WorkerCheckQueue
from app.grading.judge import build_runner, describe_isolation
from app.grading.practice import load_practice
from app.grading.service import SessionScope
from app.grading.workers import GradingWorker, Timing
from app.settings import Settings
from sandbox import SandboxError

log = logging.getLogger(__name__)


class GradingQueue(Protocol):
    def enqueue(self, submission_id: uuid.UUID, *, final: bool) -> None: ...


class HeldQueue:
    """Used when no sandbox could be built: submissions wait in the database, never run unsafely."""

    def enqueue(self, submission_id: uuid.UUID, *, final: bool) -> None:  # noqa: ARG002
        log.error("no sandbox available; submission %s stays queued", submission_id)


@dataclass
class Grading:
    queue: GradingQueue
    status: str  # "ok", or why the judge is unavailable (shown by /readyz)
    broker: Callable[[], str]  # the broker's state, for /readyz
    close: Callable[[], None]
    embedded: bool  # this process grades (no BROKER_URL)
    checks: CheckQueue  # custom coding tasks waiting for the judge's check


def start_grading(
    settings: Settings, session_factory: SessionScope, on_send_failure: Callable[[], None]
) -> Grading:
    """The API process's side: send to Redis, or (embedded) grade here as well."""
    if settings.broker_url:
        broker = make_broker(settings)
        queue = DramatiqQueue(GradingActors(broker, handle=None), on_send_failure)
        return Grading(
            queue, "workers", lambda: broker_status(broker), broker.close, False, WorkerCheckQueue()
        )
    try:
        runner = build_runner(settings)
    except SandboxError as exc:
        log.error("the judge cannot start, coding answers will wait: %s", exc)
        return Grading(
            HeldQueue(),
            f"unavailable: {exc}",
            lambda: "ok (in-process)",
            lambda: None,
            True,
            HeldCheckQueue(),
        )
    broker = make_broker(settings)
    worker = GradingWorker(
        broker,
        session_factory,
        runner,
        threads=settings.grading_threads,
        timing=Timing.from_settings(settings),
        practice=load_practice(settings),
        on_send_failure=on_send_failure,
    )
    worker.start()

    checks = LocalCheckPool(session_factory, runner)

    def close() -> None:
        checks.close()
        worker.stop(settings.worker_grace_seconds)
        broker.close()
        runner.close()

    return Grading(
        worker.queue,
        describe_isolation(settings),
        lambda: broker_status(broker),
        close,
        True,
        checks,
    )
