import numpy as np


def scale_forward(x, a):
    """Forward pass of out = x * a (a scales each column); returns (out, cache)."""
    out = None
    # TODO
    cache = (x, a)
    return out, cache


def scale_backward(dout, cache):
    """Backward pass of out = x * a; returns (dx, da)."""
    x, a = cache
    dx, da = None, None
    # TODO
    return dx, da
