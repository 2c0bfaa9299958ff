"""Expect: contained. /etc is not in the sandbox view."""

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
    for p in ("/etc/passwd", "/etc/shadow", "/etc/hostname"):
        data = _try(p, lambda p=p: open(p).read())
        if data is not None:
            print("LEAK", p)
    return _affine(x, w, b)
