from builtins import range
import numpy as np


def tanh_forward(x):
    """Computes tanh elementwise.

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: out
    """
    out = np.tanh(x)
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """Computes the backward pass for tanh.

    Returns:
    - dx: Gradient with respect to x
    """
    out = cache
    dx = dout * (1.0 - out ** 2)
    return dx
