import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    n, c, h, w = x.shape
    groups = x.reshape(n, G, c // G, h, w)
    mu = groups.mean(axis=(2, 3, 4), keepdims=True)
    var = groups.var(axis=(2, 3, 4), keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = ((groups - mu) * inv_std).reshape(n, c, h, w)
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inv_std, G)


def spatial_groupnorm_backward(dout, cache):
    x_hat, gamma, inv_std, G = cache
    n, c, h, w = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(n, G, c // G, h, w)
    x_hat = x_hat.reshape(n, G, c // G, h, w)
    m = (c // G) * h * w
    dx = (
        inv_std
        / m
        * (
            m * dx_hat
            - dx_hat.sum(axis=(2, 3, 4), keepdims=True)
            - x_hat * (dx_hat * x_hat).sum(axis=(2, 3, 4), keepdims=True)
        )
    )
    return dx.reshape(n, c, h, w), dgamma, dbeta
