"""The pooled runner: warm zygotes, one bwrap sandbox per slot (the default, every layer).

A job's child is forked from its slot's zygote (sandbox/child/zygote.py, driven through
runners/zygotes.py). A zygote that dies mid-job is replaced, and the job gets one more try.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import runtime
from sandbox.isolation.capabilities import check_strict, probe
from sandbox.isolation.limits import Limits
from sandbox.isolation.slots import SlotResources, acquire_slot
from sandbox.runners import zygotes as pool
from sandbox.runners.base import RunOutcome
from sandbox.wire import Job, encode_job


class PooledRunner:
    """Warm zygotes, one bwrap sandbox per slot: the default runner (all isolation layers)."""

    def __init__(
        self,
        *,
        slots: int = 2,
        runtime_dir: Path = runtime.DEFAULT_DIR,
        allow_weaker: bool = False,
        recycle_after: int = 64,
    ) -> None:
        self._caps = probe()
        check_strict(self._caps, allow_weaker)
        self._rt = runtime.ensure(runtime_dir)
        self._recycle_after = recycle_after
        self.recycles = 0  # zygotes restarted after a job: worn out, unhealthy or dead (metrics)
        self._free: queue.Queue[tuple[SlotResources, pool.Zygote | None]] = queue.Queue()
        self._slots: list[SlotResources] = []
        self._zygotes: dict[int, pool.Zygote] = {}
        self._lock = threading.Lock()
        self._closed = False
        # bwrap's --die-with-parent fires when the *thread* that started it exits, so every
        # zygote is started from these long-lived threads, never from a caller's thread.
        self._launcher = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="zygote")
        try:
            for _ in range(slots):
                self._slots.append(acquire_slot(self._caps))
            futures = [self._launcher.submit(self._restart, s) for s in self._slots]
            for future in futures:
                future.result()
            if any(z is None for _, z in list(self._free.queue)):
                raise SandboxError("could not start the zygotes")
        except BaseException:
            self.close()
            raise

    @property
    def uids(self) -> list[int]:
        """The host uids of this runner's slots."""
        return [s.uid for s in self._slots]

    def _start(self, slot: SlotResources) -> pool.Zygote:
        zygote = pool.sandboxed_zygote(self._rt, slot, self._caps)
        with self._lock:
            self._zygotes[slot.uid] = zygote
        return zygote

    def _restart(self, slot: SlotResources, old: pool.Zygote | None = None) -> None:
        zygote: pool.Zygote | None = None
        try:
            if old is not None:
                with self._lock:
                    self._zygotes.pop(slot.uid, None)
                old.destroy()
            if not self._closed:
                zygote = self._start(slot)
        except SandboxError:
            zygote = None  # retried by the next run that takes this slot
        finally:
            self._free.put((slot, zygote))

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a child forked from a warm zygote.

        A zygote that dies during a job (not an OOM kill) may have been killed by that job: the
        job gets one more try on another zygote, and if that one dies too the job's outcome is
        KILLED, a verdict. A candidate who can kill its zygote must not turn its own verdict into
        an infrastructure failure for a human, nor burn the service's retries. Failing to start
        a zygote stays a SandboxError.
        """
        if self._closed:
            raise SandboxError("runner is closed")
        job_bytes = encode_job(job)
        try:
            return self._run_on_a_slot(job_bytes, limits)
        except pool.ZygoteDiedError:
            pass
        try:
            return self._run_on_a_slot(job_bytes, limits)
        except pool.ZygoteDiedError as exc:
            return exc.outcome

    def _run_on_a_slot(self, job_bytes: bytes, limits: Limits) -> RunOutcome:
        slot, zygote = self._free.get()
        healthy = False
        try:
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.destroy()
                zygote = None
                zygote = self._launcher.submit(self._start, slot).result()
            outcome, healthy = pool.run_on(zygote, job_bytes, limits)
            return outcome
        finally:
            if zygote is not None and healthy and zygote.jobs < self._recycle_after:
                self._free.put((slot, zygote))
            elif zygote is not None and not self._closed:
                with self._lock:
                    self.recycles += 1
                self._launcher.submit(self._restart, slot, zygote)
            else:
                self._free.put((slot, zygote))

    def close(self) -> None:
        """Stop every zygote and release the slots."""
        self._closed = True
        self._launcher.shutdown(wait=True)
        with self._lock:
            zygotes = list(self._zygotes.values())
            self._zygotes.clear()
        for z in zygotes:
            z.destroy()
        for slot in self._slots:
            slot.release()
        self._slots.clear()
