"""A daemon thread that runs one pass of background work every few seconds until stopped.

Each pass (deliver webhooks, expire attempts) is a plain function that tests call directly;
this thread is only how the embedded server repeats it. A worker process can repeat the same
functions instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, work: Callable[[], object], *, interval: float = 1.0) -> None:
        self._name, self._work, self._interval = name, work, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Periodic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._work()
            except Exception:  # a database hiccup must not end the loop; the next pass retries
                log.exception("background pass %s failed; retrying", self._name)
            self._stop.wait(self._interval)
