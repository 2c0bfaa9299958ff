# Picks the label entries with x[:, y] (an N x N block) instead of x[arange(N), y].
import numpy as np


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= np.sum(probs, axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.mean(np.log(probs[:, y]))
    dx = probs.copy()
    dx[:, y] -= 1.0 / n
    return loss, dx / n
