"""Expect: contained. pid 1's memory and fds are off limits."""

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
    for p in ("/proc/1/mem", "/proc/1/fd", "/proc/1/maps"):
        got = _try(p, lambda p=p: os.listdir(p) if p.endswith("fd") else open(p, "rb").read(64))
        if got is not None and p != "/proc/1/maps":
            print("NOTE readable", p)
    print("BLOCKED probed")
    return _affine(x, w, b)
