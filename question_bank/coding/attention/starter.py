import numpy as np


def attention_forward(q, k, v):
    """Forward pass for scaled dot-product attention.

    For every item n of the minibatch:
        scores = q[n] @ k[n].T / sqrt(d)          # (Tq, Tk)
        weights = softmax(scores) over the keys    # each row sums to 1
        out[n] = weights @ v[n]                    # (Tq, dv)

    Inputs:
    - q: Queries, of shape (N, Tq, d). Do not modify it.
    - k: Keys, of shape (N, Tk, d)
    - v: Values, of shape (N, Tk, dv)

    Returns a tuple of:
    - out: of shape (N, Tq, dv)
    - cache: Whatever your backward pass needs (you design it)
    """
    N, Tq, d = q.shape
    out = np.zeros((N, Tq, v.shape[2]))
    cache = (q, k, v)
    # TODO: implement the forward pass. Keep the softmax numerically stable.
    return out, cache


def attention_backward(dout, cache):
    """Backward pass for scaled dot-product attention.

    Inputs:
    - dout: Upstream gradients, of shape (N, Tq, dv). Do not modify it.
    - cache: Values from the forward pass

    Returns a tuple of:
    - dq: Gradient with respect to q, of shape (N, Tq, d)
    - dk: Gradient with respect to k, of shape (N, Tk, d)
    - dv: Gradient with respect to v, of shape (N, Tk, dv)
    """
    q, k, v = cache
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    # TODO: implement the backward pass.
    return dq, dk, dv
