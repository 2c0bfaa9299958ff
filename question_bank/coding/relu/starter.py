import numpy as np


def relu_forward(x):
    """Forward pass of a ReLU; returns (out, cache)."""
    out = None
    # TODO
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a ReLU; returns dx."""
    x = cache
    dx = None
    # TODO
    return dx
