"""The queue of custom coding tasks waiting for the judge: one thread beside the grading pool.

It shares the grading pool's sandbox runner (its slots bound the machine's load either way) and,
like the grading pool, carries only ids: the database is the source of truth, and a sweep
re-sends what a restart lost. In the scaled mode the API processes have no sandbox: each
`chainrule worker` runs a pool whose sweep claims every queued check (the lease lets one win).
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from app.grading import task_checks
from app.grading.service import SessionScope
from sandbox import Runner

log = logging.getLogger(__name__)


class CheckQueue(Protocol):
    def enqueue(self, validation_id: uuid.UUID) -> None: ...


class LocalCheckPool:
    def __init__(
        self,
        session_factory: SessionScope,
        runner: Runner,
        *,
        sweep_seconds: float = 5.0,
        claim_fresh: bool = False,
    ) -> None:
        self._claim_fresh = claim_fresh  # a worker process: nobody else sends it the ids
        self._sessions = session_factory
        self._runner = runner
        # One at a time: a task's check is a few gradings, and candidates' work comes first.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-check")
        self._inflight: set[uuid.UUID] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper = threading.Thread(
            target=self._sweep_forever, args=(sweep_seconds,), name="task-check-sweep", daemon=True
        )
        self._sweeper.start()

    def enqueue(self, validation_id: uuid.UUID) -> None:
        with self._lock:
            if validation_id in self._inflight:
                return
            self._inflight.add(validation_id)
        self._executor.submit(self._check, validation_id)

    def close(self) -> None:
        self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _check(self, validation_id: uuid.UUID) -> None:
        try:
            again = task_checks.check_task(self._sessions, self._runner, validation_id)
        except Exception:  # the pool's boundary (a database error): the sweep retries it
            log.exception("checking custom task %s failed", validation_id)
            return
        finally:
            with self._lock:
                self._inflight.discard(validation_id)
        if again and not self._stop.is_set():
            self.enqueue(validation_id)

    def _sweep_forever(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                with self._sessions() as session:
                    ids = task_checks.pending_check_ids(session, fresh=self._claim_fresh)
            except Exception:  # a database hiccup must not kill the sweeper thread
                log.exception("task check sweep failed")
                continue
            for validation_id in ids:
                self.enqueue(validation_id)


class WorkerCheckQueue:
    """The scaled mode's API side: the check waits in the database for a worker's sweep."""

    def enqueue(self, validation_id: uuid.UUID) -> None:
        log.info("custom task check %s waits for a grading worker", validation_id)


class HeldCheckQueue:
    """No sandbox could be built: tasks wait in the database, never checked unsafely."""

    def enqueue(self, validation_id: uuid.UUID) -> None:
        log.error("no sandbox available; custom task check %s stays queued", validation_id)
