import numpy as np


def svm_loss(x, y):
    """Computes the loss and gradient for multiclass SVM classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input. Do not modify it.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss, averaged over the N inputs (margin 1)
    - dx: Gradient of the loss with respect to x, of shape (N, C)
    """
    loss, dx = 0.0, np.zeros_like(x)
    # TODO: implement the multiclass SVM loss and its gradient.
    return loss, dx
