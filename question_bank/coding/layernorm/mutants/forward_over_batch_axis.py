# BUG: forward normalises each feature over the batch (batchnorm); the backward matches that wrong forward
from builtins import range
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass for layer normalization.

    Each data point (row of x) is normalized over its D features, in train and
    test alike; gamma and beta scale and shift every feature.

    Input:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift parameter of shape (D,)
    - ln_param: Dictionary with the following keys:
        - eps: Constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    eps = ln_param.get('eps', 1e-5)
    mu = np.mean(x, axis=0, keepdims=True)
    xc = x - mu
    var = np.mean(xc ** 2, axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = xc * inv_std
    out = gamma * xhat + beta
    cache = (xhat, inv_std, gamma)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass for layer normalization.

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    xhat, inv_std, gamma = cache
    D = xhat.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (inv_std / D) * (D * dxhat
                          - np.sum(dxhat, axis=0, keepdims=True)
                          - xhat * np.sum(dxhat * xhat, axis=0, keepdims=True))
    return dx, dgamma, dbeta
