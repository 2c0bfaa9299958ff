# `dout * x > 0` parses as `(dout * x) > 0`: a boolean array instead of the gradient.
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    dx = dout * x > 0
    return dx
