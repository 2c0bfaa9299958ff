# BUG: the backward pass goes straight through the ReLU (no mask on the hidden gradient)
from builtins import range
from builtins import object
import numpy as np


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network with ReLU nonlinearity and
    softmax loss. The architecture is affine - relu - affine - softmax.

    Learnable parameters are stored in the self.params dictionary: W1 (D, H),
    b1 (H,), W2 (H, C), b2 (C,).
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params['W1'] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params['b1'] = np.zeros(hidden_dim)
        self.params['W2'] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass and return:
        - scores: Array of shape (N, C) giving classification scores.

        If y is not None, then run a training-time forward and backward pass
        and return a tuple of:
        - loss: Scalar value giving the loss
        - grads: Dictionary with the same keys as self.params.
        """
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N = X.shape[0]
        x2 = X.reshape(N, -1)
        a1 = x2.dot(W1) + b1
        h1 = np.maximum(0, a1)
        scores = h1.dot(W2) + b2
        if y is None:
            return scores

        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.sum(log_probs[np.arange(N), y]) / N
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        grads = {}
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads['W2'] = h1.T.dot(dscores) + self.reg * W2
        grads['b2'] = np.sum(dscores, axis=0)
        dh1 = dscores.dot(W2.T)
        da1 = dh1
        grads['W1'] = x2.T.dot(da1) + self.reg * W1
        grads['b1'] = np.sum(da1, axis=0)
        return loss, grads
