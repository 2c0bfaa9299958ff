# Masks with the sign of dout instead of the sign of the forward input.
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (dout > 0)
