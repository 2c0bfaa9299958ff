"""The pooled runner: warm zygotes, one bwrap sandbox per slot (the default, every layer).

A job's child is forked from its slot's zygote (sandbox/child/zygote.py, or for an R job
sandbox/child/r/zygote.R, driven through runners/zygotes.py). Each language has its own slots
(uids, cgroups, zygotes); the R slots start with the first R job, so a Python-only deployment
pays nothing for R. A zygote that dies mid-job is replaced, and the job gets one more try.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import r_runtime, runtime
from sandbox.isolation.capabilities import check_strict, probe
from sandbox.isolation.limits import Limits
from sandbox.isolation.slots import PROCESS_CPU_SHARES, SlotResources, acquire_slot
from sandbox.runners import zygotes as pool
from sandbox.runners.base import RunOutcome
from sandbox.wire import LANGUAGES, Job, encode_job


@dataclass
class _Lane:
    """The slots of one language and the free queue of their (slot, zygote) pairs."""

    language: str
    slots: list[SlotResources] = field(default_factory=list)
    free: queue.Queue[tuple[SlotResources, pool.Zygote | None]] = field(default_factory=queue.Queue)


class PooledRunner:
    """Warm zygotes, one bwrap sandbox per slot: the default runner (all isolation layers)."""

    def __init__(
        self,
        *,
        slots: int = 2,
        runtime_dir: Path = runtime.DEFAULT_DIR,
        allow_weaker: bool = False,
        cpu_shares: int = PROCESS_CPU_SHARES,
        recycle_after: int = 64,
    ) -> None:
        self._caps = probe()
        self._cpu_shares = cpu_shares  # each slot's CPU weight (sandbox.isolation.slots)
        check_strict(self._caps, allow_weaker)
        self._rt = runtime.ensure(runtime_dir)
        self._size = slots
        self._recycle_after = recycle_after
        self.recycles = 0  # zygotes restarted after a job: worn out, unhealthy or dead (metrics)
        self._lanes: dict[str, _Lane] = {}
        self._zygotes: dict[int, pool.Zygote] = {}
        self._lock = threading.Lock()
        self._lane_lock = threading.Lock()
        self._closed = False
        # bwrap's --die-with-parent fires when the *thread* that started it exits, so every
        # zygote is started from these long-lived threads, never from a caller's thread.
        # (Threads start on demand: the R lane's share costs nothing until it is used.)
        self._launcher = ThreadPoolExecutor(
            max_workers=slots * len(LANGUAGES), thread_name_prefix="zygote"
        )
        try:
            self._open_lane("python")
        except BaseException:
            self.close()
            raise

    @property
    def uids(self) -> list[int]:
        """The host uids of this runner's slots (Python's first, then R's once started)."""
        return [s.uid for lane in list(self._lanes.values()) for s in lane.slots]

    def _open_lane(self, language: str) -> _Lane:
        """Take the language's slots and start a zygote in each (called once per language)."""
        if language == "r":
            runtime.ensure_r(self._rt)
        lane = _Lane(language)
        self._lanes[language] = lane
        try:
            for _ in range(self._size):
                lane.slots.append(acquire_slot(self._caps, self._cpu_shares))
            futures = [self._launcher.submit(self._restart, lane, s) for s in lane.slots]
            for future in futures:
                future.result()
            if any(z is None for _, z in list(lane.free.queue)):
                raise SandboxError(f"could not start the {language} zygotes")
        except BaseException:
            # The next job of this language tries again from nothing.
            self._close_lane(self._lanes.pop(language))
            raise
        return lane

    def _lane(self, language: str) -> _Lane:
        lane = self._lanes.get(language)
        if lane is not None:
            return lane
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; expected one of {sorted(LANGUAGES)}")
        with self._lane_lock:
            lane = self._lanes.get(language)
            if lane is None:
                lane = self._open_lane(language)
            return lane

    def _start(self, lane: _Lane, slot: SlotResources) -> pool.Zygote:
        zygote = pool.sandboxed_zygote(self._rt, slot, self._caps, lane.language)
        with self._lock:
            self._zygotes[slot.uid] = zygote
        return zygote

    def _restart(self, lane: _Lane, slot: SlotResources, old: pool.Zygote | None = None) -> None:
        zygote: pool.Zygote | None = None
        try:
            if old is not None:
                with self._lock:
                    self._zygotes.pop(slot.uid, None)
                old.destroy()
            if not self._closed:
                zygote = self._start(lane, slot)
        except SandboxError:
            zygote = None  # retried by the next run that takes this slot
        finally:
            lane.free.put((slot, zygote))

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        """Run the job in a child forked from a warm zygote of the job's language.

        A zygote that dies during a job (not an OOM kill) may have been killed by that job: the
        job gets one more try on another zygote, and if that one dies too the job's outcome is
        KILLED, a verdict. A candidate who can kill its zygote must not turn its own verdict into
        an infrastructure failure for a human, nor burn the service's retries. Failing to start
        a zygote stays a SandboxError.
        """
        if self._closed:
            raise SandboxError("runner is closed")
        lane = self._lane(job.language)
        if job.language == "r":
            limits = r_runtime.limits(limits)  # as a fresh R child gets them
        job_bytes = encode_job(job)
        try:
            return self._run_on_a_slot(lane, job_bytes, limits)
        except pool.ZygoteDiedError:
            pass
        try:
            return self._run_on_a_slot(lane, job_bytes, limits)
        except pool.ZygoteDiedError as exc:
            return exc.outcome

    def _run_on_a_slot(self, lane: _Lane, job_bytes: bytes, limits: Limits) -> RunOutcome:
        slot, zygote = lane.free.get()
        healthy = False
        try:
            if zygote is None or not zygote.alive():
                if zygote is not None:
                    zygote.destroy()
                zygote = None
                zygote = self._launcher.submit(self._start, lane, slot).result()
            outcome, healthy = pool.run_on(zygote, job_bytes, limits)
            return outcome
        finally:
            if zygote is not None and healthy and zygote.jobs < self._recycle_after:
                lane.free.put((slot, zygote))
            elif zygote is not None and not self._closed:
                with self._lock:
                    self.recycles += 1
                self._launcher.submit(self._restart, lane, slot, zygote)
            else:
                lane.free.put((slot, zygote))

    def close(self) -> None:
        """Stop every zygote and release the slots."""
        self._closed = True
        self._launcher.shutdown(wait=True)
        for lane in list(self._lanes.values()):
            self._close_lane(lane)

    def _close_lane(self, lane: _Lane) -> None:
        with self._lock:
            zygotes = [self._zygotes.pop(s.uid) for s in lane.slots if s.uid in self._zygotes]
        for z in zygotes:
            z.destroy()
        for slot in lane.slots:
            slot.release()
        lane.slots.clear()
