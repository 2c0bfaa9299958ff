# Passes dout straight through, as if ReLU were the identity.
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout.copy()
