import numpy as np


def sigmoid_forward(x):
    """Computes the logistic sigmoid, sigma(x) = 1 / (1 + exp(-x)), elementwise.

    Input:
    - x: Inputs, a float64 array of any shape. Do not modify it.

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: Whatever your backward pass needs (you design it)
    """
    out, cache = np.zeros_like(x), None
    # TODO: implement the sigmoid forward pass. It must not overflow for
    # large |x| (e.g. x = -800).
    return out, cache


def sigmoid_backward(dout, cache):
    """Computes the backward pass for the sigmoid.

    Input:
    - dout: Upstream derivatives, of the same shape as the forward output.
      Do not modify it.
    - cache: What sigmoid_forward returned as its cache

    Returns:
    - dx: Gradient with respect to x, of the same shape as x
    """
    dx = np.zeros_like(dout)
    # TODO: implement the sigmoid backward pass.
    return dx
