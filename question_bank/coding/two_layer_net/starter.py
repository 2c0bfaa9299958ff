from builtins import range
from builtins import object
import numpy as np


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network with ReLU nonlinearity and
    softmax loss. The architecture is affine - relu - affine - softmax.

    Learnable parameters are stored in the self.params dictionary and will be
    learned by a solver:
    - W1: First layer weights, of shape (D, H)
    - b1: First layer biases, of shape (H,)
    - W2: Second layer weights, of shape (H, C)
    - b2: Second layer biases, of shape (C,)
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        """
        Initialize a new network.

        Inputs:
        - input_dim: An integer giving the size of the input
        - hidden_dim: An integer giving the size of the hidden layer
        - num_classes: An integer giving the number of classes to classify
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights (biases start at zero).
        - reg: Scalar giving L2 regularization strength.
        """
        self.params = {}
        self.reg = reg
        # TODO: initialize W1, b1, W2, b2 in self.params.

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k); each example is
          flattened to d_1 * ... * d_k = D values. Do not modify it.
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass and return:
        - scores: Array of shape (N, C) giving classification scores, where
          scores[i, c] is the raw (unnormalized) score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass
        and return a tuple of:
        - loss: Scalar value: mean softmax loss plus
          0.5 * reg * (sum(W1 ** 2) + sum(W2 ** 2)); biases are not regularized.
        - grads: Dictionary with the same keys as self.params, mapping parameter
          names to gradients of the loss with respect to those parameters.
        """
        N = X.shape[0]
        C = self.params['b2'].shape[0] if 'b2' in self.params else 1
        scores = np.zeros((N, C))
        # TODO: implement the forward pass, computing the class scores.
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: implement the backward pass; store the gradients in grads.
        for name, value in self.params.items():
            grads[name] = np.zeros_like(value)
        return loss, grads
