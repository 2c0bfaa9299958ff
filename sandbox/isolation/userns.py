"""A user namespace holding two uids of a slot: the zygote's and its jobs'.

bwrap run by an unprivileged uid can only map that one uid into the namespace it creates, so a
zygote and the children it forks would share a uid, and a child could signal its zygote or
change its limits (the red team lowered a zygote's open-files limit and poisoned its slot). We
make the namespace ourselves and hand it to bwrap (``--userns FD``):

    helper (host python, drops to the zygote uid, unshare(CLONE_NEWUSER))
    root writes /proc/<helper>/{setgroups,uid_map,gid_map}: zygote uid and job uid, both
        mapped to themselves (only root may write a map of more than the writer's own uid)
    helper sets user.max_user_namespaces to 0 in it (what bwrap's --disable-userns achieves:
        no process inside can create a user namespace; nothing inside holds CAP_SYS_RESOURCE
        to raise it again), then exits; our fd keeps the namespace alive.

The zygote's uid owns the namespace, so bwrap (running as that uid) may join it. uid 0 of the
namespace is not mapped: no process inside is ever its root, and no exec gains capabilities.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys

from sandbox.errors import SandboxError

CLONE_NEWUSER = 0x10000000
START_TIMEOUT = 10.0

_HELPER = r"""
import ctypes, os, sys
uid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
if libc.unshare(int(sys.argv[2])) != 0:
    raise SystemExit(f"unshare(CLONE_NEWUSER): errno {ctypes.get_errno()}")
sys.stdout.write("U\n")
sys.stdout.flush()
sys.stdin.readline()
with open("/proc/sys/user/max_user_namespaces", "w") as fh:
    fh.write("0")
sys.stdout.write("L\n")
sys.stdout.flush()
sys.stdin.readline()
"""


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def two_uid_userns(zygote_uid: int, job_uid: int) -> int:
    """An fd of a new user namespace owned by ``zygote_uid`` that maps it and ``job_uid``.

    Both map to themselves (the same numbers inside and on the host), and so do their gids;
    setgroups is denied inside. Needs root.
    """
    if zygote_uid == job_uid or min(zygote_uid, job_uid) < 1000:
        raise SandboxError(f"uids {zygote_uid}, {job_uid}: need two distinct unprivileged uids")
    helper = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _HELPER, str(zygote_uid), str(CLONE_NEWUSER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={},
    )
    assert helper.stdin is not None
    assert helper.stdout is not None
    try:
        _expect(helper, b"U\n")
        mapping = f"{zygote_uid} {zygote_uid} 1\n{job_uid} {job_uid} 1\n"
        _write(f"/proc/{helper.pid}/setgroups", "deny")
        _write(f"/proc/{helper.pid}/uid_map", mapping)
        _write(f"/proc/{helper.pid}/gid_map", mapping)
        helper.stdin.write(b"\n")
        helper.stdin.flush()
        _expect(helper, b"L\n")
        fd = os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise SandboxError(f"cannot set up the slot's user namespace: {exc}") from exc
    finally:
        helper.kill()
        helper.wait(START_TIMEOUT)
        for pipe in (helper.stdin, helper.stdout, helper.stderr):
            if pipe is not None:
                pipe.close()
    return fd


def _expect(helper: subprocess.Popen[bytes], line: bytes) -> None:
    """Wait for the helper's next line (each comes in one write); fail with its stderr."""
    assert helper.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(helper.stdout, selectors.EVENT_READ)
        ready = sel.select(START_TIMEOUT)
    if ready and helper.stdout.readline() == line:
        return
    helper.kill()
    assert helper.stderr is not None
    tail = helper.stderr.read()[-500:].decode("utf-8", "replace")
    raise SandboxError(f"user namespace helper failed ({'no answer' if not ready else tail})")
