# BUG: dx is the gradient with respect to y (2 (y - x) / size), not x
from builtins import range
import numpy as np


def mse_loss(x, y):
    """Computes the mean squared error and its gradient.

    Inputs:
    - x: Predictions, of shape (N, D)
    - y: Targets, of shape (N, D)

    Returns a tuple of:
    - loss: Scalar, the mean over all N * D entries of (x - y) ** 2
    - dx: Gradient of the loss with respect to x, of shape (N, D)
    """
    diff = x - y
    loss = np.sum(diff ** 2) / diff.size
    dx = 2.0 * (y - x) / diff.size
    return loss, dx
