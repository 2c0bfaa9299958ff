"""Expect: exited. Leaves a file in /tmp for the next job (tmp_check) to find."""

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
    with open("/tmp/planted-by-previous-candidate", "w") as fh:
        fh.write("hello")
    _try("chmod /tmp", lambda: os.chmod("/tmp", 0o755))  # the zygote's uid owns /tmp
    os.makedirs("/tmp/locked/deeper", exist_ok=True)
    os.chmod("/tmp/locked", 0)
    print("BLOCKED planted")
    return _affine(x, w, b)
