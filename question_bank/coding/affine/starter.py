import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine layer; returns (out, cache)."""
    out = None
    # TODO: flatten each example of x, multiply by w and add b.
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer; returns (dx, dw, db)."""
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: compute the gradients with respect to x, w and b.
    return dx, dw, db
