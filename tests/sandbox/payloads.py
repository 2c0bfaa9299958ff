"""Candidate sources that step around the harness's audit hook, for the sandbox's wall tests.

``fork_exec_python(code)`` builds a candidate function that runs ``code`` in a fresh interpreter
started with ``_posixsubprocess.fork_exec`` (which numpy's star import preloads): that process
has no audit hook and can import ctypes, so whatever it achieves is what the walls outside the
process (namespaces, uid, seccomp, cgroups, rlimits) allow, nothing else.
"""

from __future__ import annotations

PRELUDE = """
import numpy as np
from numpy import *  # loads numpy.testing and, through subprocess, _posixsubprocess

_u = np.lib._utils_impl
os, sys = _u.os, _u.sys


def _fork_exec_python(code):
    # The new interpreter writes its own output file: pipe2 and dup2 are not on the allowlist.
    spawn = sys.modules["_posixsubprocess"].fork_exec
    path = "/tmp/.payload-%d" % os.getpid()
    code = "import sys; sys.stdout = open(%r, 'w', buffering=1)" % path + chr(10) + code
    # fork_exec's error channel: any two fds do (the child closes the first, the exec the second)
    err_r = os.open(path + ".err", os.O_RDONLY | os.O_CREAT, 0o600)
    err = os.open(path + ".err", os.O_WRONLY | os.O_TRUNC)
    exe = sys.executable
    pid = spawn(
        [exe, "-I", "-c", code], [os.fsencode(exe)], True, (), None, None,
        -1, -1, -1, -1, -1, -1, err_r, err, False, False, -1, None, None, None, -1, None, False,
    )
    os.close(err)
    os.close(err_r)
    os.waitpid(pid, 0)
    try:
        with open(path) as fh:
            return fh.read()
    except OSError as exc:
        return "payload wrote nothing: %s" % exc
"""

# Runs in the exec'd interpreter: raw syscalls through ctypes, one "name result errno" line each.
CTYPES_PRELUDE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(label, fn):
    ctypes.set_errno(0)
    try:
        ret = fn()
    except Exception as exc:
        print(label, "raised", type(exc).__name__)
        return
    print(label, ret, ctypes.get_errno())
"""
