import numpy as np


def temporal_affine_forward(x, w, b):
    """Forward pass for a temporal affine layer.

    The input is a set of D-dimensional vectors arranged into a minibatch of N
    timeseries, each of length T. We use an affine function to transform each
    of those vectors into a new vector of dimension M.

    Inputs:
    - x: Input data of shape (N, T, D). Do not modify it.
    - w: Weights of shape (D, M)
    - b: Biases of shape (M,)

    Returns a tuple of:
    - out: Output data of shape (N, T, M)
    - cache: Whatever your backward pass needs (you design it)
    """
    N, T, D = x.shape
    out = np.zeros((N, T, w.shape[1]))
    cache = (x, w, b)
    # TODO: implement the temporal affine forward pass.
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass for temporal affine layer.

    Input:
    - dout: Upstream gradients of shape (N, T, M). Do not modify it.
    - cache: Values from forward pass

    Returns a tuple of:
    - dx: Gradient of input, of shape (N, T, D)
    - dw: Gradient of weights, of shape (D, M)
    - db: Gradient of biases, of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
    # TODO: implement the temporal affine backward pass.
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """A temporal version of softmax loss for use in RNNs.

    We assume that we are making predictions over a vocabulary of size V for
    each timestep of a timeseries of length T, over a minibatch of size N. The
    input x gives scores for all vocabulary elements at all timesteps, and y
    gives the indices of the ground-truth element at each timestep. We use a
    cross-entropy loss at each timestep, summing the loss over all timesteps and
    averaging across the minibatch (divide by N, not by N * T and not by the
    number of unmasked entries).

    As an additional complication, we may want to ignore the model output at
    some timesteps, since sequences of different length may have been combined
    into a minibatch and padded with NULL tokens. The mask argument tells us
    which elements should contribute to the loss.

    Inputs:
    - x: Input scores, of shape (N, T, V). Do not modify it.
    - y: Ground-truth indices, of shape (N, T) where each element is in the
      range 0 <= y[i, t] < V
    - mask: Boolean array of shape (N, T) where mask[i, t] tells whether or not
      the scores at x[i, t] should contribute to the loss.

    Returns a tuple of:
    - loss: Scalar giving loss
    - dx: Gradient of loss with respect to scores x, of shape (N, T, V)
    """
    loss, dx = 0.0, np.zeros_like(x)
    # TODO: implement the temporal softmax loss and its gradient.
    return loss, dx
