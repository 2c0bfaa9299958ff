"""Make outbound requests a few at a time: the database on the calling thread, HTTP on a pool.

A slow receiver then holds one worker, not the whole pass. Claims and records stay on one
thread, so a pass needs one database session at a time (tests run it on one connection).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


def dispatch(
    claim: Callable[[int, list[Job]], list[Job]],
    send: Callable[[Job], Result],
    record: Callable[[Job, Result], None],
    *,
    workers: int,
) -> int:
    """Send claimed jobs `workers` at a time until none is due; return how many were sent.

    `claim(free, running)` leases up to `free` due jobs (it may leave some out because of what
    is `running`); `record` stores each outcome as it arrives, and frees its worker.
    """
    made = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbound") as pool:
        running: dict[Future[Result], Job] = {}
        while True:
            free = workers - len(running)
            if free:
                for job in claim(free, list(running.values())):
                    running[pool.submit(send, job)] = job
            if not running:
                return made
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                record(running.pop(future), future.result())
                made += 1
