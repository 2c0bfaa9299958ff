"""Expect: contained. Sockets are refused (audit hook, seccomp, empty netns)."""

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
    sock = sys.modules.get("socket") or sys.modules.get("_socket")
    if sock is None:
        print("BLOCKED socket module not loaded")
    else:
        s = _try("socket", lambda: sock.socket(2, 1))
        if s is not None and _try("connect", lambda: s.connect(("127.0.0.1", 22))) is None:
            pass
        elif s is not None:
            print("LEAK connected")
    return _affine(x, w, b)
