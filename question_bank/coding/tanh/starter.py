import numpy as np


def tanh_forward(x):
    """Computes tanh(x) elementwise.

    Input:
    - x: Inputs, a float64 array of any shape. Do not modify it.

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: Whatever your backward pass needs (you design it)
    """
    out, cache = np.zeros_like(x), None
    # TODO: implement the tanh forward pass.
    return out, cache


def tanh_backward(dout, cache):
    """Computes the backward pass for tanh.

    Input:
    - dout: Upstream derivatives, of the same shape as the forward output.
      Do not modify it.
    - cache: What tanh_forward returned as its cache

    Returns:
    - dx: Gradient with respect to x
    """
    dx = np.zeros_like(dout)
    # TODO: implement the tanh backward pass.
    return dx
