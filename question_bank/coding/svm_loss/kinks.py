"""Distance of a hinge-loss case to its kinks: the smallest |x_j - x_y + 1| over j != y."""

import numpy as np


def hinge_kink_distance(x, y):
    n = x.shape[0]
    margins = x - x[np.arange(n), y][:, None] + 1.0
    margins[np.arange(n), y] = np.inf  # the correct class has no hinge
    return float(np.min(np.abs(margins)))
