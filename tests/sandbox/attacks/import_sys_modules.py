"""Expect: contained. A module reached through sys.modules is still audited."""

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
    sp = sys.modules.get("subprocess")
    if sp is None:
        print("BLOCKED no subprocess")
    elif _try("Popen", lambda: sp.Popen(["/bin/sh", "-c", "id"])) is not None:
        print("LEAK Popen")
    if _try("system", lambda: os.system("id")) is not None:
        print("LEAK system")
    if _try("execv", lambda: os.execv("/bin/sh", ["sh"])) is not None:
        print("LEAK execv")
    return _affine(x, w, b)
