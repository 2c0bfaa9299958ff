from builtins import range
import numpy as np


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    No padding is necessary here.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H - pool_height) // stride
      W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            hs, ws = i * stride, j * stride
            out[:, :, i, j] = np.max(x[:, :, hs:hs + ph, ws:ws + pw], axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass for a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x
    """
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    window = x[n, c, hs:hs + ph, ws:ws + pw]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, hs + r, ws + s] += dout[n, c, i, j]
    return dx
