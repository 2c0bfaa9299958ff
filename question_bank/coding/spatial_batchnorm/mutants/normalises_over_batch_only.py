# BUG: normalises every (c, h, w) position over N only, instead of over N, H and W (forward and backward agree)
from builtins import range
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Vanilla batchnorm on (N, D) data; see spatial_batchnorm_forward."""
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    cache = None
    if mode == 'train':
        mu = np.mean(x, axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = xc * inv_std
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (xhat, inv_std, gamma)
    elif mode == 'test':
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * xhat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass for vanilla batchnorm on (N, D) data."""
    xhat, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = (inv_std / N) * (N * dxhat - np.sum(dxhat, axis=0)
                          - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Computes the forward pass for spatial batch normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability
      - momentum: Constant for running mean / variance. momentum=0 means that
        old information is discarded completely at every time step, while
        momentum=1 means that new information is never incorporated. The
        default of momentum=0.9 should work well in most situations.
      - running_mean: Array of shape (C,) giving running mean of features
      - running_var Array of shape (C,) giving running variance of features

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    N, C, H, W = x.shape
    x2 = x.reshape(N, -1)
    g = np.repeat(gamma, H * W)
    bt = np.repeat(beta, H * W)
    for key in ('running_mean', 'running_var'):
        bn_param[key] = np.repeat(bn_param.get(key, np.zeros(C)), H * W)
    out2, cache = batchnorm_forward(x2, g, bt, bn_param)
    out = out2.reshape(N, C, H, W)
    bn_param['running_mean'] = bn_param['running_mean'].reshape(C, H * W).mean(axis=1)
    bn_param['running_var'] = bn_param['running_var'].reshape(C, H * W).mean(axis=1)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Computes the backward pass for spatial batch normalization.

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    N, C, H, W = dout.shape
    dout2 = dout.reshape(N, -1)
    dx2, dgamma, dbeta = batchnorm_backward(dout2, cache)
    dx = dx2.reshape(N, C, H, W)
    dgamma = dgamma.reshape(C, H * W).sum(axis=1)
    dbeta = dbeta.reshape(C, H * W).sum(axis=1)
    return dx, dgamma, dbeta
