"""Distance of a ReLU case to its kink: the smallest |x| (x = 0 is not differentiable)."""

import numpy as np


def relu_kink_distance(x):
    return float(np.min(np.abs(x)))
