# BUG: forward computes 1 / (1 + exp(x)), i.e. sigmoid(-x); the backward matches that wrong forward
from builtins import range
import numpy as np


def sigmoid_forward(x):
    """Computes the logistic sigmoid elementwise.

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: out, kept for the backward pass
    """
    # Split by sign so that np.exp never overflows for large |x|.
    pos = x >= 0
    z = np.exp(-np.abs(x))
    out = np.where(pos, z / (1.0 + z), 1.0 / (1.0 + z))
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """Computes the backward pass for the sigmoid.

    Input:
    - dout: Upstream derivatives, of the same shape as the forward output
    - cache: out from sigmoid_forward

    Returns:
    - dx: Gradient with respect to x
    """
    out = cache
    dx = -dout * out * (1.0 - out)
    return dx
