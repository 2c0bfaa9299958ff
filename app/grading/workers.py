"""A grading worker: Dramatiq worker threads, an identity with a heartbeat, and a watchdog.

The same class runs inside the API process in the embedded default (in-process broker) and in
`chainrule worker` processes in the scaled mode (Redis).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
import structlog

from app.db import utcnow
from app.grading import service as grading
from app.grading import watchdog
from app.grading.broker import DramatiqQueue, GradingActors
from app.grading.practice import PracticeTask
from app.grading.service import SessionScope
from app.observability.collectors import SlotRecycles, register
from app.settings import Settings
from sandbox import Runner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    heartbeat: float  # seconds between heartbeats (and watchdog rounds)
    dead_after: timedelta  # a worker silent this long is dead; its leases are released
    resend_after: timedelta  # a submission queued this long is sent to the broker again

    @classmethod
    def from_settings(cls, settings: Settings) -> Timing:
        return cls(
            heartbeat=settings.worker_heartbeat_seconds,
            dead_after=timedelta(seconds=settings.worker_dead_seconds),
            resend_after=timedelta(seconds=settings.grading_resend_seconds),
        )


class GradingWorker:
    """Grades what the broker delivers, on `threads` threads, and keeps the queue honest."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        sessions: SessionScope,
        runner: Runner,
        *,
        threads: int,
        timing: Timing,
        practice: PracticeTask | None = None,
        on_send_failure: Callable[[], None] = lambda: None,
    ) -> None:
        self.id = uuid.uuid4()
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._sessions = sessions
        self._runner = runner
        self._practice = practice
        self._timing = timing
        self.queue = DramatiqQueue(GradingActors(broker, self._grade), on_send_failure)
        self._worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=250)
        # Fetch no more than there are threads: what one worker holds in memory another
        # (idle) worker cannot take, and a killed worker's fetched messages wait for a re-send.
        self._worker.queue_prefetch = threads
        self._stop = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="grading-keeper", daemon=True)
        self._unregister: Callable[[], None] = lambda: None

    def start(self) -> None:
        self._round()  # register at once, and pick up what a predecessor left
        self._unregister = register(SlotRecycles(self._runner))
        self._worker.start()
        self._keeper.start()
        log.info("grading worker %s (%s) started", self.id, self.name)

    def stop(self, grace_seconds: float) -> None:
        """Finish the jobs in hand (up to `grace_seconds`), then release what is still held.

        The heartbeat goes on meanwhile, or other workers would find this one dead and take
        its jobs while it finishes them. A job still running after the grace is released:
        its lease ends now, another worker's watchdog re-sends it within a heartbeat, and this
        worker's late result is refused (the lease names the worker holding it).
        """
        self._worker.stop(timeout=int(grace_seconds * 1000))
        self._stop.set()
        self._keeper.join(timeout=5)
        self._unregister()
        try:
            with self._sessions() as session:
                released = watchdog.release_own(session, self.id, utcnow())
        except Exception:  # the database is gone too: the leases expire, or a watchdog releases
            log.exception("grading worker %s could not release its leases", self.id)
            return
        log.info("grading worker %s stopped (%d lease(s) released)", self.id, released)

    def _grade(self, submission_id: uuid.UUID, final: bool) -> None:
        # Every line logged while grading names the job (the message carries only this id).
        with structlog.contextvars.bound_contextvars(submission_id=str(submission_id)):
            try:
                again = grading.grade_submission(
                    self._sessions,
                    self._runner,
                    submission_id,
                    practice=self._practice,
                    worker_id=self.id,
                )
            except Exception:  # a database error: the lease expires, the watchdog re-sends it
                log.exception("grading submission %s failed", submission_id)
                return
        if again:
            self.queue.enqueue(submission_id, final=final)

    def _keep(self) -> None:
        while not self._stop.wait(self._timing.heartbeat):
            self._round()

    def _round(self) -> None:
        """Heartbeat, release dead workers' leases, re-send what the broker may have lost."""
        try:
            with self._sessions() as session:
                now = utcnow()
                watchdog.beat(session, self.id, self.name, now)
                released = watchdog.release_dead_workers(session, now, self._timing.dead_after)
                resend = watchdog.due_for_sending(session, now, self._timing.resend_after)
        except Exception:  # a database outage must not kill the keeper thread
            log.exception("grading watchdog round failed")
            return
        if released:
            log.warning("released %d lease(s) of dead grading workers", released)
        for item in resend:
            self.queue.enqueue(item.submission_id, final=item.final)
