# Each example as one row, its entries in row-major order (numpy's X.reshape(N, -1)), which
# is the order of W1's rows; matrix(X, nrow = N) alone would take them column-major.
flatten_rows <- function(x) {
  k <- length(dim(x))
  matrix(aperm(x, c(1, rev(seq_len(k))[-k])), nrow = dim(x)[1])
}

# A two-layer fully-connected neural network with ReLU nonlinearity and
# softmax loss. The architecture is affine - relu - affine - softmax.
#
# Learnable parameters are stored in the environment net$params:
# - W1: First layer weights, a D x H matrix
# - b1: First layer biases, a vector of length H
# - W2: Second layer weights, an H x C matrix
# - b2: Second layer biases, a vector of length C
#
# Inputs:
# - input_dim: An integer giving the size of the input
# - hidden_dim: An integer giving the size of the hidden layer
# - num_classes: An integer giving the number of classes to classify
# - weight_scale: Scalar giving the standard deviation for random
#   initialization of the weights (biases start at zero).
# - reg: Scalar giving L2 regularization strength.
TwoLayerNet <- function(input_dim = 3 * 32 * 32, hidden_dim = 100, num_classes = 10,
                        weight_scale = 1e-3, reg = 0.0) {
  net <- new.env()
  net$reg <- reg
  net$params <- new.env()
  # TODO: initialize W1, b1, W2, b2 in net$params.

  # Compute loss and gradient for a minibatch of data.
  #
  # Inputs:
  # - X: Array of input data with dim c(N, d_1, ..., d_k); each example is
  #   flattened to d_1 * ... * d_k = D values by flatten_rows(X). Do not modify it.
  # - y: Integer labels in 1..C, of length N; y[i] gives the label for X[i, ...].
  #
  # Returns:
  # If y is NULL, run a test-time forward pass and return:
  # - scores: An N x C matrix of classification scores, where scores[i, c]
  #   is the raw (unnormalized) score for example i and class c.
  #
  # Otherwise, run a training-time forward and backward pass and return
  # list(loss, grads):
  # - loss: A number: mean softmax loss plus
  #   0.5 * reg * (sum(W1^2) + sum(W2^2)); biases are not regularized.
  # - grads: A list with the same names as net$params, mapping parameter
  #   names to gradients of the loss with respect to those parameters.
  net$loss <- function(X, y = NULL) {
    N <- dim(X)[1]
    C <- if (is.null(net$params$b2)) 1 else length(net$params$b2)
    scores <- matrix(0, N, C)
    # TODO: implement the forward pass, computing the class scores.
    if (is.null(y)) {
      return(scores)
    }

    loss <- 0
    grads <- list()
    # TODO: implement the backward pass; store the gradients in grads.
    for (name in names(net$params)) {
      grad <- net$params[[name]]
      grad[] <- 0
      grads[[name]] <- grad
    }
    list(loss, grads)
  }
  net
}
