import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization of x (N, C, H, W) over G groups of channels; returns (out, cache)."""
    eps = gn_param.get("eps", 1e-5)
    out, cache = None, None
    # TODO: statistics per (example, group), normalize, then scale and shift per channel.
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of group normalization; returns (dx, dgamma, dbeta)."""
    dx, dgamma, dbeta = None, None, None
    # TODO
    return dx, dgamma, dbeta
