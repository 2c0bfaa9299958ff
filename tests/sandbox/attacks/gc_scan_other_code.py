"""Expect: contained. No earlier candidate's source is left in memory."""

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
    marker = "".join(["ALICE_SECRET_", "MARKER_42"])  # not a folded constant
    gc = sys.modules.get("gc")
    found = 0
    if gc is not None:
        for obj in gc.get_objects():
            try:
                items = list(obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ())
            except Exception:
                continue
            for item in items:
                if isinstance(item, str) and marker in item:
                    found += 1
    print("LEAK found" if found else "BLOCKED nothing found", found)
    return _affine(x, w, b)
