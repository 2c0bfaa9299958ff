"""The command that starts a process inside a fresh bubblewrap sandbox as a slot's uid.

    unshare -m (private mount ns, as root) -> join cgroups -> bind the interpreter prefix
    -> setpriv to the slot uid (no caps, no_new_privs) -> bwrap (every namespace, seccomp,
       read-only minimal view, private /tmp, cleared env) -> python

Launching bwrap as root would make the sandbox's uid map to host uid 0 for file-permission
checks (measured: a root-only 0600 file became readable), hence the drop before bwrap.

A fresh sandbox lets bwrap create its user namespace (the slot uid alone, ``--disable-userns``).
A zygote's sandbox joins the two-uid namespace of isolation/userns.py instead (``--userns``),
and its pid 1 keeps the few capabilities, valid in that namespace only, that it needs to fork
children as the job uid and clean up after them (ZYGOTE_CAPS); each child drops them all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.isolation import r_runtime
from sandbox.isolation.limits import BOOTSTRAP, R_BOOTSTRAP, Limits
from sandbox.isolation.runtime import Runtime
from sandbox.isolation.slots import SlotResources

SANDBOX_VENV = "/opt/venv"
SANDBOX_CHILD = "/opt/judge"
TMP_BYTES = 16 * 2**20
# The launcher (unshare, sh, setpriv, bwrap) gets this environment, never the service's.
LAUNCHER_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


def _venv_home(rt: Runtime) -> Path:
    for line in (rt.venv / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise SandboxError(f"{rt.venv}/pyvenv.cfg names no home")


# What a zygote keeps, in its own user namespace only (nothing of the host maps to uid 0 there,
# and host files belong to unmapped ids, so none of these reaches them): switching a child to
# the job uid (SETUID, SETGID, and SETPCAP for the child to empty its bounding set), killing
# the job's processes after it (KILL), and emptying /tmp whatever modes the job left (DAC_OVERRIDE,
# FOWNER).
ZYGOTE_CAPS = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_KILL",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
)


def _namespaces(userns: int | None) -> list[str]:
    if userns is None:
        return ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    # --unshare-all would ask for a user namespace too; the joined one refuses new ones.
    caps = [arg for cap in ZYGOTE_CAPS for arg in ("--cap-add", cap)]
    return [
        "--userns",
        str(userns),
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--assert-userns-disabled",
        "--cap-drop",
        "ALL",
        *caps,
    ]


def _parent_dirs(mount_points: list[str]) -> list[str]:
    """Create the directories above the bind mounts as 0755 (bwrap 0.8 makes them 0700, owned
    by the zygote's uid, and a job of the other uid could not reach the interpreter)."""
    parents: list[str] = []
    for point in mount_points:
        for parent in reversed(Path(point).parents):
            if str(parent) != "/" and str(parent) not in parents:
                parents.append(str(parent))
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]


def _r_view() -> tuple[list[str], list[str]]:
    """An R child's extra read-only binds (R's configuration) and its environment."""
    binds = [arg for path in r_runtime.binds() for arg in ("--ro-bind", path, path)]
    env = [arg for key, val in r_runtime.environment().items() for arg in ("--setenv", key, val)]
    return binds, env


def bwrap_argv(
    rt: Runtime,
    uid: int,
    seccomp: int | None,
    *,
    as_pid_1: bool,
    userns: int | None = None,
    language: str = "python",
) -> list[str]:
    """The bwrap command line (without the program to run); ``userns``: the fd of a two-uid
    user namespace to join (a zygote's), else bwrap makes a one-uid namespace. An R child
    (``language="r"``) also sees R's configuration directories and gets R's environment."""
    prefix = str(_venv_home(rt))
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    r_binds, r_env = _r_view() if language == "r" else ([], [])
    argv = [
        "bwrap",
        *_namespaces(userns),
        "--uid",
        str(uid),
        "--gid",
        str(uid),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
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
        *r_env,
        *_parent_dirs(
            ["/usr/lib", "/usr/lib64", prefix, SANDBOX_VENV, SANDBOX_CHILD, *r_binds[1::3]]
        ),
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
        *r_binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        # The zygote's uid owns /tmp; sticky and world-writable, so a job uid may use it too.
        *(["--perms", "1777"] if userns is not None else []),
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
        # Only /tmp stays writable (the zygote empties it after every job): bwrap's --remount-ro
        # of / does not reach the mounts under it, and a writable /dev (/dev/shm with it) or
        # site-packages tmpfs let one pooled job leave files, and memory charged to the slot,
        # to the next.
        "--remount-ro",
        f"{prefix}/lib/{ver}/site-packages",
        "--remount-ro",
        "/dev",
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
    rt: Runtime,
    slot: SlotResources,
    seccomp: int | None,
    program: list[str],
    *,
    as_pid_1: bool,
    userns: int | None = None,
    language: str = "python",
) -> list[str]:
    """The full host command that starts ``program`` inside a fresh sandbox of the slot."""
    view = bwrap_argv(rt, slot.uid, seccomp, as_pid_1=as_pid_1, userns=userns, language=language)
    inner = [*view, *program]
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


def r_program(limits: Limits, job_fd: int, result_fd: int) -> list[str]:
    """The in-sandbox command of a fresh R child: set rlimits (Python, no site), exec R."""
    return [
        f"{SANDBOX_VENV}/bin/python",
        "-I",
        "-S",
        "-B",
        "-c",
        R_BOOTSTRAP,
        *r_runtime.limits(limits).rlimit_args(),
        *r_runtime.argv(SANDBOX_CHILD, job_fd, result_fd),
    ]
