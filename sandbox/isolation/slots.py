"""Sandbox slots: two dedicated non-root uids (held with a lock file) and their cgroups.

One *slot* is one concurrent sandbox: a uid no other process on the host uses (the lock under
/run/chainrule-judge keeps several worktrees and services apart) and its *job uid* (the slot uid
+ MAX_SLOT_UIDS, equally unused), a set of cgroups (v1 memory incl. memsw, pids, cpu quota of
one core, cpuacct; v2 for ``cgroup.kill``), and helpers to kill and reap everything that ran in
it. A pooled slot's zygote runs as the slot uid and every job it forks as the job uid, so a job
can neither signal, trace nor re-limit its zygote (isolation/userns.py); a fresh sandbox runs
as the slot uid alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation.capabilities import (
    CGROUP_PARENT,
    CGROUP_ROOT,
    V1_CONTROLLERS,
    Capabilities,
    v2_root,
)
from sandbox.isolation.limits import Limits

LOCK_DIR = Path("/run/chainrule-judge")
UID_BASE = 61000  # slot uids: UID_BASE .. UID_BASE + MAX_SLOT_UIDS - 1, no passwd entry needed
MAX_SLOT_UIDS = 256
# a slot's job uid: UID_BASE + MAX_SLOT_UIDS .. UID_BASE + 2 * MAX_SLOT_UIDS - 1


PROCESS_CPU_SHARES = 1024  # what CFS gives a process of niceness 0 (cgroup v1's cpu.shares)


def job_uid_for(uid: int) -> int:
    """The uid the jobs of the slot with uid ``uid`` run as (never the zygote's)."""
    return uid + MAX_SLOT_UIDS


def _write(path: Path, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class SlotResources:
    """A uid and its cgroups, held by one slot of one runner."""

    uid: int
    lock_fd: int
    caps: Capabilities
    cgroups: dict[str, Path] = field(default_factory=dict)
    v2: Path | None = None
    oom_base: int = 0
    # The limits last written to the cgroups: a warm slot's jobs mostly repeat them, and a
    # memory.limit_in_bytes write costs about a millisecond, so only changes are written.
    _written: tuple[int, int, int] | None = None

    @property
    def job_uid(self) -> int:
        """The uid a pooled zygote's children run as."""
        return job_uid_for(self.uid)

    @property
    def name(self) -> str:
        """The cgroup name, unique on the host while the uid lock is held."""
        return f"slot-{self.uid}"

    def procs_files(self) -> list[Path]:
        """Every cgroup.procs file a new sandbox process must join."""
        files = [path / "cgroup.procs" for path in self.cgroups.values()]
        if self.v2 is not None:
            files.append(self.v2 / "cgroup.procs")
        return files

    def configure(self, limits: Limits, extra_memory: int = 0, extra_pids: int = 0) -> None:
        """Set the per-run limits of the slot's cgroups and reset its counters."""
        wanted = (limits.memory_bytes + extra_memory, limits.processes + extra_pids, 100000)
        if wanted != self._written:
            self._write_limits(*wanted)
            self._written = wanted
        mem = self.cgroups.get("memory")
        if mem is not None:
            with contextlib.suppress(OSError):
                _write(mem / "memory.max_usage_in_bytes", "0")
            self.oom_base = self.oom_kills()
        acct = self.cgroups.get("cpuacct")
        if acct is not None:
            _write(acct / "cpuacct.usage", "0")

    def _write_limits(self, memory: int, processes: int, quota_us: int) -> None:
        mem = self.cgroups.get("memory")
        if mem is not None:
            limit = str(memory)
            memsw = mem / "memory.memsw.limit_in_bytes"
            # memsw must stay >= the memory limit: order the writes by direction.
            for _ in range(2):
                try:
                    _write(mem / "memory.limit_in_bytes", limit)
                    if memsw.exists():
                        _write(memsw, limit)
                    break
                except OSError:
                    if memsw.exists():
                        _write(memsw, limit)
        pids = self.cgroups.get("pids")
        if pids is not None:
            _write(pids / "pids.max", str(processes))
        cpu = self.cgroups.get("cpu")
        if cpu is not None:
            _write(cpu / "cpu.cfs_period_us", "100000")
            _write(cpu / "cpu.cfs_quota_us", str(quota_us))  # one core per slot

    def oom_kills(self) -> int:
        """How many OOM kills the memory cgroup has seen."""
        mem = self.cgroups.get("memory")
        if mem is None:
            return 0
        with contextlib.suppress(OSError):
            for line in (mem / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float | None:
        """CPU used by every process of the slot since the last configure()."""
        acct = self.cgroups.get("cpuacct")
        return None if acct is None else _read_int(acct / "cpuacct.usage") / 1e9

    def peak_memory(self) -> int | None:
        """Peak memory of the slot since the last configure()."""
        mem = self.cgroups.get("memory")
        return None if mem is None else _read_int(mem / "memory.max_usage_in_bytes")

    def kill_all(self, timeout: float = 5.0) -> list[int]:
        """Kill every process of the slot, wait until the cgroups are empty; return the pids."""
        victims = self._pids()
        if self.v2 is not None and (self.v2 / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                _write(self.v2 / "cgroup.kill", "1")
        deadline = time.monotonic() + timeout
        while not self.empty():
            if self.v2 is None:
                for pid in self._pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, 9)
            if time.monotonic() > deadline:
                raise SandboxError(f"{self.name}: processes survived the kill")
            time.sleep(0.002)
        return victims

    def _pids(self) -> list[int]:
        pids: set[int] = set()
        for procs in self.procs_files():
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in procs.read_text().split())
        return sorted(pids)

    def empty(self) -> bool:
        """True when no process of the slot is alive (v2 'populated 0', else v1 procs)."""
        if self.v2 is not None:
            with contextlib.suppress(OSError):
                return "populated 0" in (self.v2 / "cgroup.events").read_text()
        return not self._pids()

    def release(self) -> None:
        """Kill everything, remove the cgroups and give the uid back."""
        try:
            self.kill_all()
        finally:
            for path in [*self.cgroups.values(), *([self.v2] if self.v2 else [])]:
                with contextlib.suppress(OSError):
                    path.rmdir()
            os.close(self.lock_fd)


PR_SET_CHILD_SUBREAPER = 36


@functools.cache
def become_subreaper() -> None:
    """Adopt orphaned descendants, so sandbox processes killed with their parent get reaped.

    cgroup.kill kills bwrap and the sandbox's pid 1 together; without this the orphaned pid 1
    is re-parented to the host's init, which on container-like hosts never reaps it.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {ctypes.get_errno()}")


def reap(pids: list[int], timeout: float = 5.0) -> None:
    """Reap those of ``pids`` that are (or become) zombie children of this process."""
    # Generous: under a co-tenant load of 10 on two cores, killed sandbox processes took over a
    # second to be re-parented to us, and a zombie left unreaped outlived its slot's jobs.
    pending = set(pids)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                # Not our child (yet): its parent may still be dying. Gone for good if no /proc.
                if not os.path.exists(f"/proc/{pid}"):
                    pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.002)


def reap_orphans(*uids: int) -> None:
    """Reap zombie children of this process that ran as one of ``uids`` (adopted sandbox
    processes)."""
    me = os.getpid()
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and _proc_uid(pid) in uids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


def _make_cgroup(path: Path) -> Path:
    if path.exists():
        # A leftover of a dead process that held this uid: empty it before reuse.
        with contextlib.suppress(OSError):
            for pid in (path / "cgroup.procs").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), 9)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cgroup_path(controller: str, slot_name: str) -> Path:
    """Where a slot's v1 cgroup of ``controller`` lives.

    The cpu cgroup sits at the root of its hierarchy: CFS weighs a cgroup against its siblings,
    so under a shared parent every slot on the host got one process's worth of CPU together
    (under a co-tenant load of 10 a warm job then waited three times as long as the same job in
    an unsandboxed fork server). At the root each slot weighs what one process does.
    """
    if controller == "cpu":
        return CGROUP_ROOT / "cpu" / f"{CGROUP_PARENT}-{slot_name}"
    return CGROUP_ROOT / controller / CGROUP_PARENT / slot_name


def acquire_slot(caps: Capabilities, cpu_shares: int = PROCESS_CPU_SHARES) -> SlotResources:
    """Lock a free slot uid on this host and create its cgroups.

    ``cpu_shares``: the slot's CPU weight against the host's processes (its cgroup sits at the
    root of the cpu hierarchy, see cgroup_path), PROCESS_CPU_SHARES weighing as one process.
    """
    become_subreaper()
    LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + MAX_SLOT_UIDS):
        fd = os.open(LOCK_DIR / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if any(_proc_uid(pid) in (uid, job_uid_for(uid)) for pid in _all_pids()):
            # Someone else runs as one of these uids (not through us): never share them.
            os.close(fd)
            continue
        slot = SlotResources(uid=uid, lock_fd=fd, caps=caps)
        try:
            for controller in V1_CONTROLLERS:
                layer = {"memory": "cgroup_memory", "pids": "cgroup_pids"}.get(
                    controller, "cgroup_cpu"
                )
                if caps.present.get(layer):
                    slot.cgroups[controller] = _make_cgroup(cgroup_path(controller, slot.name))
            if "cpu" in slot.cgroups:
                _write(slot.cgroups["cpu"] / "cpu.shares", str(cpu_shares))
            if caps.present.get("cgroup_kill"):
                slot.v2 = _make_cgroup(v2_root() / CGROUP_PARENT / slot.name)
                if not slot.empty():
                    slot.kill_all()
        except OSError as exc:
            slot.release()
            raise SandboxError(f"cannot create cgroups for {slot.name}: {exc}") from exc
        return slot
    raise SandboxError("no free sandbox uid")


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _proc_uid(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None
