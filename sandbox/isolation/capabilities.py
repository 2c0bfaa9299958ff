"""Which isolation layers this machine provides, each with a reason when it is missing."""

from __future__ import annotations

import functools
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import seccomp

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
CGROUP_PARENT = "chainrule-judge"
LAYERS = ("bwrap", "user_namespaces", "uid_drop", "cgroup_memory", "cgroup_pids", "cgroup_cpu")
LAYERS_ALL = (*LAYERS, "cgroup_kill", "seccomp")


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
        seccomp.seccomp_program()
        record("seccomp", None)
    except SandboxError as exc:
        record("seccomp", str(exc))
    return Capabilities(present=present, reasons=reasons)


def v2_root() -> Path:
    return CGROUP_ROOT / "unified"


def _v2_kill_supported() -> bool:
    root = v2_root()
    if not (root / "cgroup.controllers").exists() or os.geteuid() != 0:
        return False
    test = root / CGROUP_PARENT
    try:
        test.mkdir(exist_ok=True)
    except OSError:
        return False
    return (test / "cgroup.kill").exists()


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
