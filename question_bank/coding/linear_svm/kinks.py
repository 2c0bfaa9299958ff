"""Distance of a linear SVM case to its kinks: the smallest |s_j - s_y + 1|, s = X W, j != y."""

import numpy as np


def hinge_kink_distance(W, X, y):
    scores = X @ W
    n = scores.shape[0]
    margins = scores - scores[np.arange(n), y][:, None] + 1.0
    margins[np.arange(n), y] = np.inf  # the correct class has no hinge
    return float(np.min(np.abs(margins)))
