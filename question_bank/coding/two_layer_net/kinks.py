"""Distance of a two-layer net case to its kinks: the smallest |hidden pre-activation| (ReLU)."""

import numpy as np


def relu_kink_distance(X, W1, b1):
    return float(np.min(np.abs(X.reshape(X.shape[0], -1) @ W1 + b1)))
