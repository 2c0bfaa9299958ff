"""Expect: protocol_error. A well-framed result whose JSON header holds a 5,000-digit integer."""

import numpy as np

_u = np.lib._utils_impl
os, sys = _u.os, _u.sys


def affine_forward(x, w, b):
    head = ('{"kind":"result","status":"ok","arrays":[],"n":' + "9" * 5000 + "}").encode()
    frame = len(head).to_bytes(4, "little") + head
    for fd in [int(f) for f in os.listdir("/proc/self/fd") if int(f) > 2]:
        try:
            os.write(fd, frame)
        except OSError:
            pass
    os._exit(0)
