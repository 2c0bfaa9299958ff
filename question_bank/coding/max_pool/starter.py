from builtins import range
import numpy as np


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W). Do not modify it.
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    No padding is necessary here. Pooling regions may overlap (stride smaller
    than the pool size).

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H - pool_height) // stride
      W' = 1 + (W - pool_width) // stride
    - cache: Whatever your backward pass needs (you design it)
    """
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    out = np.zeros((N, C, 1 + (H - ph) // stride, 1 + (W - pw) // stride))
    # TODO: implement the max-pooling forward pass.
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W'). Do not modify it.
    - cache: What max_pool_forward_naive returned as its cache

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    dx = np.zeros_like(x)
    # TODO: implement the max-pooling backward pass.
    return dx
