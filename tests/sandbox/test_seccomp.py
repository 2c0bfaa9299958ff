"""The sandbox's seccomp allowlist, loaded as the exact BPF program bwrap gets, family by family.

Python inside the sandbox cannot reach most of these syscalls without ctypes, so each test forks
this (root) test process, loads the program with prctl in the child and makes the raw call there
through ctypes. Running as root matters: the kernel itself would allow mount, unshare or a
prlimit on another process here, so an EPERM can only come from the filter.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
from typing import Any

import pyseccomp
import pytest

from sandbox.isolation import seccomp

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
SIGCHLD = 17
TIOCSTI = 0x5412
TCGETS = 0x5401
RLIMIT_NOFILE = 7


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _nr(name: str) -> int:
    number = pyseccomp.resolve_syscall(pyseccomp.system_arch(), name)
    assert isinstance(number, int)
    return number


Call = tuple[str, tuple[int, ...]]


def _under_the_filter(calls: list[Call]) -> list[tuple[int, int]]:
    """Run raw syscalls in a forked child under the sandbox's filter; (return, errno) each."""
    program = seccomp.seccomp_program()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        try:
            os.close(read_end)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            buf = ctypes.create_string_buffer(program)
            prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
            assert libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            assert libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0
            results: list[Any] = []
            for name, args in calls:
                ctypes.set_errno(0)
                ret = libc.syscall(ctypes.c_long(_nr(name)), *(ctypes.c_long(a) for a in args))
                if name == "clone" and ret == 0:
                    os._exit(0)  # the clone's own child
                results.append([ret, ctypes.get_errno()])
            os.write(write_end, json.dumps(results).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    assert data, "the filtered child died before reporting"
    return [(int(r), int(e)) for r, e in json.loads(data)]


def _refused(calls: list[Call]) -> None:
    for (name, args), (ret, err) in zip(calls, _under_the_filter(calls), strict=True):
        assert (ret, err) == (-1, errno.EPERM), (name, args, ret, err)


NULL = 0


def test_the_filter_lets_ordinary_calls_through() -> None:
    pid = os.getpid()
    (getpid, own_limit, fork) = _under_the_filter(
        [("getppid", ()), ("prlimit64", (0, RLIMIT_NOFILE, NULL, NULL)), ("clone", (SIGCHLD, 0))]
    )
    assert getpid == (pid, 0)
    assert own_limit == (0, 0)
    assert fork[0] > 0


def test_mount_family_is_refused() -> None:
    _refused(
        [
            ("mount", (NULL, NULL, NULL, 0, NULL)),
            ("umount2", (NULL, 0)),
            ("pivot_root", (NULL, NULL)),
            ("chroot", (NULL,)),
            ("fsopen", (NULL, 0)),
            ("open_tree", (-100, NULL, 0)),
            ("move_mount", (-1, NULL, -1, NULL, 0)),
        ]
    )


def test_namespace_creation_and_entry_are_refused() -> None:
    fd = os.open("/proc/self/ns/uts", os.O_RDONLY)
    try:
        _refused(
            [
                ("unshare", (CLONE_NEWUSER,)),
                ("unshare", (CLONE_NEWNS,)),
                ("setns", (fd, 0)),
                ("clone", (CLONE_NEWUSER | SIGCHLD, 0)),
                ("clone", (CLONE_NEWNS | SIGCHLD, 0)),
            ]
        )
    finally:
        os.close(fd)


def test_clone3_sends_glibc_back_to_clone() -> None:
    ((ret, err),) = _under_the_filter([("clone3", (NULL, 0))])
    assert (ret, err) == (-1, errno.ENOSYS)


@pytest.mark.parametrize(
    "calls",
    [
        [("io_uring_setup", (1, NULL)), ("io_uring_enter", (0, 0, 0, 0, NULL, 0))],
        [("userfaultfd", (0,))],
        [("bpf", (0, NULL, 0))],
        [("perf_event_open", (NULL, 0, -1, -1, 0))],
        [("keyctl", (0, 0, 0, 0, 0)), ("add_key", (NULL, NULL, NULL, 0, 0))],
        [("ptrace", (0, 0, 0, 0)), ("process_vm_readv", (1, NULL, 0, NULL, 0, 0))],
        [("personality", (0xFFFFFFFF,))],
        [("socket", (2, 1, 0)), ("socketpair", (1, 1, 0, NULL))],
        [("shmget", (0, 4096, 0o1600)), ("msgget", (0, 0o1600)), ("semget", (0, 1, 0o1600))],
        [("mq_open", (NULL, 0, 0, NULL))],
    ],
    ids=[
        "io_uring",
        "userfaultfd",
        "bpf",
        "perf_event_open",
        "keys",
        "ptrace",
        "personality",
        "sockets",
        "sysv_ipc",
        "posix_mqueue",
    ],
)
def test_each_refused_family_gets_eperm(calls: list[Call]) -> None:
    _refused(calls)


def test_limits_and_scheduling_of_other_processes_are_refused() -> None:
    # prlimit64 on pid 1 (any process but itself): a job once poisoned its zygote this way.
    _refused(
        [
            ("prlimit64", (1, RLIMIT_NOFILE, NULL, NULL)),
            ("prlimit64", (os.getpid(), RLIMIT_NOFILE, NULL, NULL)),
            ("setpriority", (0, 1, 19)),
            ("sched_setaffinity", (1, 0, NULL)),
        ]
    )


def test_terminal_injection_is_refused_but_tcgets_passes() -> None:
    read_end, write_end = os.pipe()
    try:
        (sti, tcgets) = _under_the_filter(
            [("ioctl", (read_end, TIOCSTI, NULL)), ("ioctl", (read_end, TCGETS, NULL))]
        )
    finally:
        os.close(read_end)
        os.close(write_end)
    assert sti == (-1, errno.EPERM)
    assert tcgets[1] != errno.EPERM  # reaches the kernel (ENOTTY or EFAULT on a pipe)


def test_the_allowlist_holds_no_refused_name_and_is_short() -> None:
    allowed = seccomp.allowed_syscalls()
    assert not allowed & seccomp.REFUSED
    assert "execve" in allowed  # bwrap installs the filter before it execs the interpreter
    assert len(allowed) < 120
