# A leaky ReLU (slope 0.01) forward with its matching backward: consistent, but not a ReLU.
import numpy as np


def relu_forward(x):
    return np.where(x > 0, x, 0.01 * x), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.01 * dout)
