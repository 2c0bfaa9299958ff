# BUG: the softmax 'gradient' keeps only the Jacobian's diagonal, A * (1 - A) * dA
from builtins import range
import numpy as np


def attention_forward(q, k, v):
    """Forward pass for scaled dot-product attention.

    Inputs:
    - q: Queries, of shape (N, Tq, d)
    - k: Keys, of shape (N, Tk, d)
    - v: Values, of shape (N, Tk, dv)

    Returns a tuple of:
    - out: of shape (N, Tq, dv), out[n] = softmax(q[n] k[n]^T / sqrt(d)) v[n],
      the softmax taken over the keys (the last axis of the scores)
    - cache: Values needed for the backward pass
    """
    d = q.shape[-1]
    scale = 1.0 / np.sqrt(d)
    scores = np.matmul(q, k.transpose(0, 2, 1)) * scale
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= np.sum(weights, axis=-1, keepdims=True)
    out = np.matmul(weights, v)
    cache = (q, k, v, weights, scale)
    return out, cache


def attention_backward(dout, cache):
    """Backward pass for scaled dot-product attention.

    Inputs:
    - dout: Upstream gradients, of shape (N, Tq, dv)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dq: Gradient with respect to q, of shape (N, Tq, d)
    - dk: Gradient with respect to k, of shape (N, Tk, d)
    - dv: Gradient with respect to v, of shape (N, Tk, dv)
    """
    q, k, v, weights, scale = cache
    dv = np.matmul(weights.transpose(0, 2, 1), dout)
    dweights = np.matmul(dout, v.transpose(0, 2, 1))
    # Softmax Jacobian-vector product, row by row: A * (dA - sum(dA * A)).
    dscores = weights * (1 - weights) * dweights
    dq = np.matmul(dscores, k) * scale
    dk = np.matmul(dscores.transpose(0, 2, 1), q) * scale
    return dq, dk, dv
