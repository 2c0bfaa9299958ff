"""Runs INSIDE a pooled sandbox as its pid 1: a fork server with numpy and the harness loaded.

The zygote never reads job bytes (a forked child would find earlier candidates' data in its
heap): on each "F" command it forks, and the child reads its own job from the job pipe, closes
every other fd, sets its rlimits and runs the harness. After the child exits the zygote kills
every other process of its pid namespace (it is pid 1, so kill(-1) reaches them all), reaps
them, wipes /tmp and reports the child's wait status. It is non-dumpable, so no process of
the sandbox can read its memory or fds through /proc.

The child runs as another uid than the zygote (the slot's job uid, mapped beside the zygote's in
the sandbox's user namespace): before it reads its job it switches every uid and gid to it and
drops every capability, bounding set included, so it can neither signal, trace nor re-limit the
zygote, nor ever switch back. The zygote keeps the capabilities that switch needs, and those
that let it kill and clean up after a job of another uid, in its own namespace only.

Control protocol (text lines): parent -> zygote ``F <cpu_soft> <cpu_hard> <as> <fsize> <nofile>``;
zygote -> parent ``R`` once ready, ``D <wait status> ok|spoiled <child cpu s>`` after each job
("spoiled": /tmp could not be emptied, or the zygote's limits, priority or affinity changed; the
parent recycles it).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import resource
import shutil
import signal
import stat
import sys

import numpy as np

from sandbox.child import guards, harness

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4


# Loaded once in the zygote, before guards.limit_thread_memory() drops ctypes from sys.modules:
# each child then calls prctl without importing ctypes again. The audit hook that refuses ctypes
# calls to candidates is installed after the child's last use, and refuses any later call made
# through this handle (ctypes.call_function) as through any other.
_libc = ctypes.CDLL(None, use_errno=True)
# capset's arguments, built once here: a ctypes array type and a symbol lookup per job cost a
# child about 0.2 ms.
_capset = _libc.capset
_CAP_HEADER = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
_NO_CAPS = (ctypes.c_uint32 * 6)()  # two zeroed (effective, permitted, inheritable) words


def _set_dumpable(flag: int) -> None:
    if _libc.prctl(PR_SET_DUMPABLE, flag, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl(PR_SET_DUMPABLE, {flag}) failed")


def _be_the_oom_victim() -> None:
    """Set this child's oom_score_adj to 1000, so the OOM killer picks it, never the zygote.

    A non-dumpable process's /proc/self files belong to root, so the write fails with EACCES
    while the child is still non-dumpable like the zygote it was forked from. It is dumpable for
    the one write: no job has been read yet, and the only other process in the pid namespace is
    the zygote (the previous job's processes were all killed and reaped).
    """
    _set_dumpable(1)
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    finally:
        _set_dumpable(0)


def _close_namespace_fds() -> None:
    """Close the slot's user namespace fd, which bwrap (``--userns``) leaves open in its child.

    A job never sees it (a child closes every fd but its two pipes), and the zygote has no use
    for it.
    """
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}").startswith("user:["):
                os.close(int(name))


def _check(ret: int, what: str) -> None:
    if ret != 0:
        raise OSError(ctypes.get_errno(), f"{what} failed")


def _bounding_set() -> list[int]:
    """The capabilities in this process's bounding set (read once, in the zygote)."""
    with open("/proc/self/status") as fh:
        mask = int(next(line for line in fh if line.startswith("CapBnd:")).split()[1], 16)
    return [cap for cap in range(mask.bit_length()) if mask >> cap & 1]


def _become_job_uid(uid: int, bounding: list[int]) -> None:
    """Switch every uid and gid to ``uid`` and drop every capability, for good.

    Changing ids inside a user namespace whose uid 0 is unmapped clears no capability by
    itself, so they are dropped explicitly: the bounding set (``bounding``, the zygote's, while
    CAP_SETPCAP lasts), then the ambient, permitted, effective and inheritable sets. The
    no_new_privs bit (setpriv) holds already. Under 0.1 ms per job.
    """
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    for cap in bounding:
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"prctl(PR_CAPBSET_DROP, {cap})")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clearing ambient caps")
    _check(_capset(_CAP_HEADER, _NO_CAPS), "capset")


def _wipe_tmp() -> None:
    for name in os.listdir("/tmp"):
        path = os.path.join("/tmp", name)
        # A candidate may have removed permissions on its own files: restore them first.
        for root, dirs, _ in os.walk(path):
            for d in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(root, d), stat.S_IRWXU)
        with contextlib.suppress(OSError):
            os.chmod(path, stat.S_IRWXU)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _wiped() -> bool:
    """True when /tmp is empty again and its tmpfs holds no page (nothing stays charged)."""
    usage = os.statvfs("/tmp")
    return not os.listdir("/tmp") and usage.f_bfree == usage.f_blocks


# Everything a job could try to change about the zygote from outside (seccomp refuses prlimit64
# on another process, but the zygote checks after every job that nothing moved all the same).
_RLIMITS = tuple(getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_"))


def _state() -> tuple[object, ...]:
    limits = tuple(resource.getrlimit(r) for r in _RLIMITS)
    return limits, os.getpriority(os.PRIO_PROCESS, 0), frozenset(os.sched_getaffinity(0))


def _child(
    fields: list[str], job_fd: int, result_fd: int, job_uid: int, bounding: list[int]
) -> None:
    cpu_soft, cpu_hard, address, fsize, nofile = (int(f) for f in fields)
    keep = sorted({job_fd, result_fd})
    low = 3
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _be_the_oom_victim()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))
    resource.setrlimit(resource.RLIMIT_AS, (address, address))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    if job_uid >= 0:
        _become_job_uid(job_uid, bounding)
    # Every fork would otherwise share the zygote's numpy random state (Python's random module
    # reseeds itself after a fork). A 32-bit seed: np.random.seed() without one costs ~1 ms.
    np.random.seed(int.from_bytes(os.urandom(4), "little"))
    harness.run_job(job_fd, result_fd, threads_limited=True)


def _reap_everything() -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def serve(
    ctl_fd: int,
    status_fd: int,
    job_fd: int,
    result_fd: int,
    *,
    sandboxed: bool = True,
    job_uid: int = -1,
) -> None:
    """Fork one child per command until the control pipe closes.

    ``sandboxed=False`` is the benchmark's warm fork-server baseline (UnsafeForkServerRunner):
    the same fork and harness, without the pid-1 duties (kill -1, the /tmp wipe) that would hit
    the host outside a sandbox. ``job_uid`` >= 0: the uid each child switches to (see above).
    """
    if sandboxed and os.getpid() != 1:
        raise SystemExit("zygote: refusing pid-1 duties (kill -1, /tmp wipe) outside a sandbox")
    if sandboxed:
        _close_namespace_fds()
    bounding = _bounding_set() if job_uid >= 0 else []
    _set_dumpable(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    guards.warm_numpy_star()
    # Once here, not per job (about 2 ms): a forked child inherits the thread stack size and
    # glibc's arena limit, and the zygote starts no thread that could fix the limit earlier.
    guards.limit_thread_memory()
    ctl = os.fdopen(ctl_fd, "rb", buffering=0)
    intact = _state()
    # Everything loaded so far leaves the collector's generations: a child's collection then
    # never walks (and copies, page by page) the zygote's objects.
    gc.freeze()
    os.write(status_fd, b"R\n")
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = ctl.read(256)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        fields = line.decode().split()
        if not fields or fields[0] != "F" or len(fields) != 6:
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ctl_fd)
                os.close(status_fd)
                _child(fields[1:], job_fd, result_fd, job_uid, bounding)
            finally:
                os._exit(70)
        while True:
            try:
                _, status, usage = os.wait4(pid, 0)
                break
            except InterruptedError:
                continue
        if sandboxed:
            _reap_everything()
            _wipe_tmp()
        # "ok": the next job may come. Anything else and the trusted side recycles the zygote.
        verdict = "ok" if (not sandboxed or _wiped()) and _state() == intact else "spoiled"
        cpu = usage.ru_utime + usage.ru_stime
        os.write(status_fd, f"D {status} {verdict} {cpu:.6f}\n".encode())


if __name__ == "__main__":
    serve(*(int(a) for a in sys.argv[1:5]))
