import numpy as np


def mse_loss(x, y):
    """Computes the mean squared error and its gradient.

    Inputs:
    - x: Predictions, of shape (N, D). Do not modify it.
    - y: Targets, of shape (N, D)

    Returns a tuple of:
    - loss: Scalar, the mean over all N * D entries of (x - y) ** 2
    - dx: Gradient of the loss with respect to x, of shape (N, D)
    """
    loss, dx = 0.0, np.zeros_like(x)
    # TODO: implement the mean squared error and its gradient.
    return loss, dx
