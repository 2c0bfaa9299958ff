import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization forward pass; returns (out, cache)."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # TODO: normalize with the batch statistics, update the running averages.
        pass
    elif mode == "test":
        # TODO: normalize with the running statistics.
        pass
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Batch normalization backward pass; returns (dx, dgamma, dbeta)."""
    dx, dgamma, dbeta = None, None, None
    # TODO
    return dx, dgamma, dbeta
