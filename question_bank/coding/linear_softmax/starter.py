from builtins import range
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means
      that X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength. The loss includes reg * sum(W ** 2)
      (no factor 1/2).

    Returns a tuple of:
    - loss as single float: mean cross-entropy over the N examples plus the
      regularization term
    - gradient with respect to weights W; an array of same shape as W
    """
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the softmax loss and its gradient using explicit loops.
    # Keep the computation numerically stable (shift the scores).
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the softmax loss and its gradient without explicit loops.
    return loss, dW
