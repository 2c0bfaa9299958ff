"""Expect: contained. ctypes calls trip the audit hook before seccomp."""

import numpy as np

_u = np.lib._utils_impl
os, sys = _u.os, _u.sys


def _affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def _try(label, fn):
    try:
        got = fn()
    except BaseException as exc:
        print("BLOCKED", label, type(exc).__name__)
        return None
    return got


def affine_forward(x, w, b):
    ct = sys.modules.get("ctypes")
    if ct is None:
        print("BLOCKED no ctypes")
    else:
        libc = _try("dlopen", lambda: ct.CDLL(None))
        if libc is not None:
            fd = _try("syscall", lambda: libc.syscall(41, 2, 1, 0))
            print("LEAK socket fd" if fd is not None and fd >= 0 else "BLOCKED socket syscall")
    return _affine(x, w, b)
