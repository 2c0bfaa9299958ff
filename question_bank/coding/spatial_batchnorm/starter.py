import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Computes the forward pass for spatial batch normalization.

    Each channel is normalized with the mean and (biased) variance of all its
    N * H * W values in the minibatch.

    Inputs:
    - x: Input data of shape (N, C, H, W). Do not modify it.
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability (default 1e-5): divide by
        sqrt(var + eps)
      - momentum: Constant for running mean / variance (default 0.9):
        running_mean = momentum * running_mean + (1 - momentum) * mean, and
        the same for running_var with the biased batch variance.
      - running_mean: Array of shape (C,) giving running mean of features
        (zeros when absent)
      - running_var Array of shape (C,) giving running variance of features
        (zeros when absent)
      In train mode, store the updated running_mean and running_var back into
      bn_param. In test mode, normalize with them instead of batch statistics.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Whatever your backward pass needs (you design it)
    """
    out, cache = np.zeros_like(x), None
    # TODO: implement the forward pass for spatial batch normalization.
    # Hint: you can reuse a vanilla batchnorm on a reshaped array.
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Computes the backward pass for spatial batch normalization (train mode).

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W). Do not modify it.
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    C = dout.shape[1]
    dx, dgamma, dbeta = np.zeros_like(dout), np.zeros(C), np.zeros(C)
    # TODO: implement the backward pass for spatial batch normalization.
    return dx, dgamma, dbeta
