"""Expect: exited; monkeypatching numpy in the child changes nothing outside it."""

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


np.allclose = lambda *a, **k: True
np.max = lambda *a, **k: 0.0
np.abs = lambda a: a * 0


def affine_forward(x, w, b):
    print("BLOCKED patched only here")
    return np.zeros((x.shape[0], w.shape[1])), None


def affine_backward(dout, cache):
    return np.zeros(1), np.zeros(1), np.zeros(1)
