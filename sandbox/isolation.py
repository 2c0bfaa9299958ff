"""Isolation layers: probing, per-slot uids and cgroups, seccomp, and the bwrap launch command.

One *slot* is one concurrent sandbox: a dedicated non-root uid (held with a lock file, so two
processes on the host never share one), a set of cgroups (v1 memory incl. memsw, pids, cpu quota
of one core, cpuacct; v2 for ``cgroup.kill``), and the command that starts a process inside a
fresh bubblewrap sandbox as that uid:

    unshare -m (private mount ns, as root) -> join cgroups -> bind the interpreter prefix
    -> setpriv to the slot uid (no caps, no_new_privs) -> bwrap (every namespace, seccomp,
       read-only minimal view, private /tmp, cleared env) -> python

Launching bwrap as root would make the sandbox's uid map to host uid 0 for file-permission
checks (measured: a root-only 0600 file became readable), hence the drop before bwrap.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.limits import Limits
from sandbox.runtime import Runtime

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
CGROUP_PARENT = "chainrule-judge"
LOCK_DIR = Path("/run/chainrule-judge")
UID_BASE = 61000  # slot uids: UID_BASE .. UID_BASE + MAX_SLOT_UIDS - 1, no passwd entry needed
MAX_SLOT_UIDS = 256
SANDBOX_VENV = "/opt/venv"
SANDBOX_CHILD = "/opt/judge"
TMP_BYTES = 16 * 2**20
LAYERS = ("bwrap", "user_namespaces", "uid_drop", "cgroup_memory", "cgroup_pids", "cgroup_cpu")
LAYERS_ALL = (*LAYERS, "cgroup_kill", "seccomp")

CLONE_NEW_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
TIOCSTI = 0x5412
DENIED_SYSCALLS = [
    "socket",
    "socketpair",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "personality",
    "userfaultfd",
    "clock_settime",
    "clock_adjtime",
    "settimeofday",
    "adjtimex",
    "syslog",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "quotactl",
    "mknod",
    "mknodat",
    "name_to_handle_at",
    "open_by_handle_at",
    "lookup_dcookie",
    "vhangup",
    "iopl",
    "ioperm",
    "pidfd_getfd",
    "fanotify_init",
]


# --------------------------------------------------------------------------- probing


@dataclass(frozen=True)
class Capabilities:
    """Which isolation layers this machine provides, with a reason for each missing one."""

    present: dict[str, bool]
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Layers the strict mode needs that are absent."""
        return [name for name in LAYERS_ALL if not self.present.get(name)]

    @property
    def strict_ok(self) -> bool:
        """True when every layer is present."""
        return not self.missing

    def describe(self) -> str:
        """One line per missing layer, for errors and logs."""
        return "; ".join(f"{n}: {self.reasons.get(n, 'missing')}" for n in self.missing)


def _writable_cgroup(controller: str) -> str | None:
    base = CGROUP_ROOT / controller
    if not base.is_dir():
        return f"{base} is not mounted"
    probe_dir = base / CGROUP_PARENT
    try:
        probe_dir.mkdir(exist_ok=True)
    except OSError as exc:
        return f"cannot create {probe_dir}: {exc.strerror}"
    return None


@functools.cache
def probe() -> Capabilities:
    """Report which isolation layers are available (cached for the process)."""
    present: dict[str, bool] = {}
    reasons: dict[str, str] = {}

    def record(name: str, problem: str | None) -> None:
        present[name] = problem is None
        if problem is not None:
            reasons[name] = problem

    record("bwrap", None if shutil.which("bwrap") else "bubblewrap is not installed (bwrap)")
    try:
        userns = int(Path("/proc/sys/user/max_user_namespaces").read_text())
        record("user_namespaces", None if userns > 0 else "user.max_user_namespaces is 0")
    except OSError:
        record("user_namespaces", "/proc/sys/user/max_user_namespaces is unreadable")
    tools = [t for t in ("unshare", "setpriv", "mount") if shutil.which(t) is None]
    if os.geteuid() != 0:
        record("uid_drop", "not running as root: cannot switch to per-slot uids or mount")
    else:
        record("uid_drop", f"missing tools: {', '.join(tools)}" if tools else None)
    for name, controller in (("cgroup_memory", "memory"), ("cgroup_pids", "pids")):
        record(name, _writable_cgroup(controller) if os.geteuid() == 0 else "not root")
    cpu_problem = _writable_cgroup("cpu") or _writable_cgroup("cpuacct")
    record("cgroup_cpu", cpu_problem if os.geteuid() == 0 else "not root")
    record("cgroup_kill", None if _v2_kill_supported() else "no cgroup v2 cgroup.kill")
    try:
        seccomp_program()
        record("seccomp", None)
    except SandboxError as exc:
        record("seccomp", str(exc))
    return Capabilities(present=present, reasons=reasons)


def _v2_root() -> Path:
    return CGROUP_ROOT / "unified"


def _v2_kill_supported() -> bool:
    root = _v2_root()
    if not (root / "cgroup.controllers").exists() or os.geteuid() != 0:
        return False
    test = root / CGROUP_PARENT
    try:
        test.mkdir(exist_ok=True)
    except OSError:
        return False
    return (test / "cgroup.kill").exists()


# --------------------------------------------------------------------------- seccomp


@functools.cache
def seccomp_program() -> bytes:
    """Build the deny-list seccomp filter as raw BPF for ``bwrap --seccomp FD``."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:
        raise SandboxError(f"pyseccomp/libseccomp unavailable: {exc}") from exc
    deny = seccomp.ERRNO(errno.EPERM)
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        with contextlib.suppress(ValueError, RuntimeError, OSError):
            # Some names are unknown on some architectures; the rest must go in.
            filt.add_rule(deny, name)
    for flag in CLONE_NEW_FLAGS:
        filt.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory the filter cannot read: make glibc fall back to clone.
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    filt.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        program = fh.read()
    if not program:
        raise SandboxError("libseccomp produced an empty filter")
    return program


def seccomp_fd() -> int:
    """A fresh read-only fd holding the BPF program (bwrap reads it to the end)."""
    r, w = os.pipe()
    program = seccomp_program()
    if len(program) > 60000:
        raise SandboxError("seccomp program does not fit a pipe buffer")
    os.write(w, program)
    os.close(w)
    return r


# --------------------------------------------------------------------------- slots


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
        mem = self.cgroups.get("memory")
        if mem is not None:
            limit = str(limits.memory_bytes + extra_memory)
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
            with contextlib.suppress(OSError):
                _write(mem / "memory.max_usage_in_bytes", "0")
            self.oom_base = self.oom_kills()
        pids = self.cgroups.get("pids")
        if pids is not None:
            _write(pids / "pids.max", str(limits.processes + extra_pids))
        cpu = self.cgroups.get("cpu")
        if cpu is not None:
            _write(cpu / "cpu.cfs_period_us", "100000")
            _write(cpu / "cpu.cfs_quota_us", "100000")  # one core per slot
        acct = self.cgroups.get("cpuacct")
        if acct is not None:
            _write(acct / "cpuacct.usage", "0")

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


def reap(pids: list[int], timeout: float = 1.0) -> None:
    """Reap those of ``pids`` that are (or become) zombie children of this process."""
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


def reap_orphans(uid: int) -> None:
    """Reap zombie children of this process that ran as ``uid`` (adopted sandbox processes)."""
    me = os.getpid()
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and _proc_uid(pid) == uid:
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


def acquire_slot(caps: Capabilities) -> SlotResources:
    """Lock a free slot uid on this host and create its cgroups."""
    become_subreaper()
    LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + MAX_SLOT_UIDS):
        fd = os.open(LOCK_DIR / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if any(_proc_uid(pid) == uid for pid in _all_pids()):
            # Someone else runs as this uid (not through us): never share it.
            os.close(fd)
            continue
        slot = SlotResources(uid=uid, lock_fd=fd, caps=caps)
        try:
            for controller in V1_CONTROLLERS:
                layer = {"memory": "cgroup_memory", "pids": "cgroup_pids"}.get(
                    controller, "cgroup_cpu"
                )
                if caps.present.get(layer):
                    slot.cgroups[controller] = _make_cgroup(
                        CGROUP_ROOT / controller / CGROUP_PARENT / slot.name
                    )
            if caps.present.get("cgroup_kill"):
                slot.v2 = _make_cgroup(_v2_root() / CGROUP_PARENT / slot.name)
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


# --------------------------------------------------------------------------- launch command


def _venv_home(rt: Runtime) -> Path:
    for line in (rt.venv / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise SandboxError(f"{rt.venv}/pyvenv.cfg names no home")


def bwrap_argv(rt: Runtime, uid: int, seccomp: int | None, *, as_pid_1: bool) -> list[str]:
    """The bwrap command line (without the program to run)."""
    prefix = str(_venv_home(rt))
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    argv = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(uid),
        "--gid",
        str(uid),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--setenv",
        "PATH",
        "/nonexistent",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "OPENBLAS_NUM_THREADS",
        "1",
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--setenv",
        "MKL_NUM_THREADS",
        "1",
        "--setenv",
        "PYTHONDONTWRITEBYTECODE",
        "1",
        "--ro-bind",
        "/usr/lib",
        "/usr/lib",
        "--ro-bind",
        "/usr/lib64",
        "/usr/lib64",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        # The interpreter's RUNPATH is absolute: the prefix goes back at its own path, with the
        # base site-packages (hundreds of packages) hidden under an empty tmpfs.
        "--ro-bind",
        str(rt.pyrt) if os.geteuid() == 0 else prefix,
        prefix,
        "--tmpfs",
        f"{prefix}/lib/{ver}/site-packages",
        "--ro-bind",
        str(rt.venv),
        SANDBOX_VENV,
        "--ro-bind",
        str(rt.child),
        SANDBOX_CHILD,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
    ]
    if as_pid_1:
        argv.append("--as-pid-1")
    if seccomp is not None:
        argv += ["--seccomp", str(seccomp)]
    return argv


# Runs as root inside a private mount namespace: join the slot's cgroups, bind the interpreter
# prefix where the slot uid can reach it, drop to the slot uid, exec bwrap.
_LAUNCH_SCRIPT = """
set -e
uid=$1; prefix=$2; pyrt=$3; ncg=$4; shift 4
i=0
while [ "$i" -lt "$ncg" ]; do echo $$ > "$1"; shift; i=$((i+1)); done
mount --bind -o ro "$prefix" "$pyrt"
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs \
  --inh-caps=-all --bounding-set=-all -- "$@"
"""


def launch_argv(
    rt: Runtime, slot: SlotResources, seccomp: int | None, program: list[str], *, as_pid_1: bool
) -> list[str]:
    """The full host command that starts ``program`` inside a fresh sandbox of the slot."""
    inner = [*bwrap_argv(rt, slot.uid, seccomp, as_pid_1=as_pid_1), *program]
    if not slot.caps.present.get("uid_drop"):
        return inner
    procs = [str(p) for p in slot.procs_files()]
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        _LAUNCH_SCRIPT,
        "sandbox-launch",
        str(slot.uid),
        str(_venv_home(rt)),
        str(rt.pyrt),
        str(len(procs)),
        *procs,
        *inner,
    ]


def python_program(limits: Limits, job_fd: int, result_fd: int) -> list[str]:
    """The in-sandbox command of a fresh child: set rlimits, then run the harness."""
    from sandbox.limits import BOOTSTRAP

    return [
        f"{SANDBOX_VENV}/bin/python",
        "-I",
        "-B",
        "-c",
        BOOTSTRAP,
        SANDBOX_CHILD,
        *limits.rlimit_args(),
        str(job_fd),
        str(result_fd),
    ]


def check_strict(caps: Capabilities, allow_weaker: bool) -> None:
    """Refuse to run without every layer unless the caller accepted a weaker sandbox."""
    if not caps.present.get("bwrap") or not caps.present.get("user_namespaces"):
        raise SandboxError(f"cannot isolate candidate code here: {caps.describe()}")
    if caps.strict_ok:
        return
    if not allow_weaker:
        raise SandboxError(
            f"isolation layers missing ({caps.describe()}); pass allow_weaker=True to run anyway"
        )
    log.warning(
        "SANDBOX RUNNING WEAKER THAN STRICT: missing layers %s (%s)",
        ", ".join(caps.missing),
        caps.describe(),
    )
