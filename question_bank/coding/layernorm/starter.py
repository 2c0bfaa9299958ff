import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass for layer normalization.

    During both training and test-time, the incoming data is normalized per data
    point (over its D features), before being scaled by gamma and beta: the
    normalization is the same as in batch normalization, but over the other
    axis, and there are no running averages.

    Input:
    - x: Data of shape (N, D). Do not modify it.
    - gamma: Scale parameter of shape (D,)
    - beta: Shift parameter of shape (D,)
    - ln_param: Dictionary with the following keys:
        - eps: Constant for numeric stability (default 1e-5): divide by
          sqrt(var + eps), where var is the biased variance (divide by D)

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: Whatever your backward pass needs (you design it)
    """
    out, cache = np.zeros_like(x), None
    eps = ln_param.get('eps', 1e-5)
    # TODO: implement the layer norm forward pass.
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass for layer normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D). Do not modify it.
    - cache: Variable of intermediates from layernorm_forward.

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    dx = np.zeros_like(dout)
    dgamma = np.zeros(dout.shape[1])
    dbeta = np.zeros(dout.shape[1])
    # TODO: implement the backward pass for layer norm.
    return dx, dgamma, dbeta
