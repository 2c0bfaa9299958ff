"""The grading queue: a bounded in-process pool (embedded default) behind one small seam.

The queue carries only submission ids; the database is the source of truth, so a periodic
sweep re-sends what a restart lost and what a dead worker leased. The scaled mode puts Dramatiq
behind the same `GradingQueue` protocol.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from app.grading import service as grading
from app.grading.check_queue import CheckQueue, HeldCheckQueue, LocalCheckPool
from app.grading.judge import build_runner, describe_isolation
from app.grading.practice import PracticeTask, load_practice
from app.grading.service import SessionScope
from app.settings import Settings
from sandbox import Runner, SandboxError

log = logging.getLogger(__name__)


class GradingQueue(Protocol):
    def enqueue(self, submission_id: uuid.UUID) -> None: ...


class LocalGradingPool:
    """Grade on `workers` threads of this process, each calling the shared sandbox runner."""

    def __init__(
        self,
        session_factory: SessionScope,
        runner: Runner,
        *,
        workers: int,
        practice: PracticeTask | None = None,
        sweep_seconds: float = 5.0,
    ) -> None:
        self._session_factory = session_factory
        self._runner = runner
        self._practice = practice
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grading")
        self._inflight: set[uuid.UUID] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper = threading.Thread(
            target=self._sweep_forever, args=(sweep_seconds,), name="grading-sweep", daemon=True
        )
        self._sweeper.start()

    def enqueue(self, submission_id: uuid.UUID) -> None:
        with self._lock:
            if submission_id in self._inflight:
                return  # already waiting in this process; the sweep must not pile up copies
            self._inflight.add(submission_id)
        self._executor.submit(self._grade, submission_id)

    def close(self) -> None:
        self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _grade(self, submission_id: uuid.UUID) -> None:
        try:
            again = grading.grade_submission(
                self._session_factory, self._runner, submission_id, practice=self._practice
            )
        except Exception:  # the pool's boundary (a database error): the sweep retries the lease
            log.exception("grading submission %s failed", submission_id)
            return
        finally:
            with self._lock:
                self._inflight.discard(submission_id)
        if again and not self._stop.is_set():
            self.enqueue(submission_id)

    def _sweep_forever(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                with self._session_factory() as session:
                    ids = grading.pending_submission_ids(session)
            except Exception:  # a database hiccup must not kill the sweeper thread
                log.exception("grading sweep failed")
                continue
            for submission_id in ids:
                self.enqueue(submission_id)


class HeldQueue:
    """Used when no sandbox could be built: submissions wait in the database, never run unsafely."""

    def enqueue(self, submission_id: uuid.UUID) -> None:
        log.error("no sandbox available; submission %s stays queued", submission_id)


@dataclass
class Grading:
    queue: GradingQueue
    status: str  # "ok", or why the judge is unavailable (shown by /readyz)
    close: Callable[[], None]
    checks: CheckQueue  # custom coding tasks waiting for the judge's check


def start_grading(settings: Settings, session_factory: SessionScope) -> Grading:
    """Build the sandbox runner and the grading pool of this process."""
    try:
        runner = build_runner(settings)
    except SandboxError as exc:
        log.error("the judge cannot start, coding answers will wait: %s", exc)
        return Grading(HeldQueue(), f"unavailable: {exc}", lambda: None, HeldCheckQueue())
    pool = LocalGradingPool(
        session_factory,
        runner,
        workers=settings.grading_threads,
        practice=load_practice(settings),
    )

    checks = LocalCheckPool(session_factory, runner)

    def close() -> None:
        checks.close()
        pool.close()
        runner.close()

    return Grading(pool, describe_isolation(settings), close, checks)
