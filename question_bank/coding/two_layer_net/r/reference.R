# Each example as one row, its entries in row-major order (numpy's X.reshape(N, -1)), which
# is the order of W1's rows; matrix(X, nrow = N) alone would take them column-major.
flatten_rows <- function(x) {
  k <- length(dim(x))
  matrix(aperm(x, c(1, rev(seq_len(k))[-k])), nrow = dim(x)[1])
}

# A two-layer fully-connected neural network with ReLU nonlinearity and
# softmax loss. The architecture is affine - relu - affine - softmax.
#
# Returns an environment `net` with
# - net$params: an environment holding W1 (D x H), b1 (length H),
#   W2 (H x C) and b2 (length C)
# - net$reg: the L2 regularization strength
# - net$loss(X, y = NULL): the scores, or list(loss, grads)
TwoLayerNet <- function(input_dim = 3 * 32 * 32, hidden_dim = 100, num_classes = 10,
                        weight_scale = 1e-3, reg = 0.0) {
  net <- new.env()
  net$reg <- reg
  net$params <- new.env()
  net$params$W1 <- matrix(rnorm(input_dim * hidden_dim, sd = weight_scale), input_dim, hidden_dim)
  net$params$b1 <- numeric(hidden_dim)
  net$params$W2 <- matrix(rnorm(hidden_dim * num_classes, sd = weight_scale), hidden_dim, num_classes)
  net$params$b2 <- numeric(num_classes)

  # Compute loss and gradient for a minibatch of data.
  #
  # Inputs:
  # - X: Array of input data with dim c(N, d_1, ..., d_k)
  # - y: Integer labels in 1..C, of length N; y[i] gives the label for X[i, ...].
  #
  # Returns:
  # If y is NULL, the N x C matrix of classification scores.
  # Otherwise list(loss, grads), grads a list with the same names as net$params.
  net$loss <- function(X, y = NULL) {
    W1 <- net$params$W1
    b1 <- net$params$b1
    W2 <- net$params$W2
    b2 <- net$params$b2
    N <- dim(X)[1]
    x2 <- flatten_rows(X)
    a1 <- sweep(x2 %*% W1, 2, b1, "+")
    h1 <- pmax(a1, 0)
    scores <- sweep(h1 %*% W2, 2, b2, "+")
    if (is.null(y)) {
      return(scores)
    }

    shifted <- scores - apply(scores, 1, max)
    log_probs <- shifted - log(rowSums(exp(shifted)))
    label <- cbind(seq_len(N), y)
    loss <- -sum(log_probs[label]) / N
    loss <- loss + 0.5 * net$reg * (sum(W1 * W1) + sum(W2 * W2))

    grads <- list()
    dscores <- exp(log_probs)
    dscores[label] <- dscores[label] - 1
    dscores <- dscores / N
    grads$W2 <- crossprod(h1, dscores) + net$reg * W2
    grads$b2 <- colSums(dscores)
    dh1 <- tcrossprod(dscores, W2)
    da1 <- dh1 * (a1 > 0)
    grads$W1 <- crossprod(x2, da1) + net$reg * W1
    grads$b1 <- colSums(da1)
    list(loss, grads)
  }
  net
}
