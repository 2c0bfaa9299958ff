import numpy as np


def bce_with_logits(x, y):
    n = x.size
    # max(x, 0) - x y + log(1 + exp(-|x|)) == -y log s - (1 - y) log(1 - s), without overflow.
    loss = (np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))).sum() / n
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    dx = (sigmoid - y) / n
    return loss, dx
