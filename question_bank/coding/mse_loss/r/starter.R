# Computes the mean squared error and its gradient.
#
# Inputs:
# - x: Predictions, an N x D matrix. Do not modify it.
# - y: Targets, an N x D matrix
#
# Returns list(loss, dx):
# - loss: A number, the mean over all N * D entries of (x - y)^2
# - dx: Gradient of the loss with respect to x, an N x D matrix
mse_loss <- function(x, y) {
  loss <- 0
  dx <- matrix(0, nrow(x), ncol(x))
  # TODO: implement the mean squared error and its gradient.
  list(loss, dx)
}
