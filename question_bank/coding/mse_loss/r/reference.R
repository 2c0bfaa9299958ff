# Computes the mean squared error and its gradient.
#
# Inputs:
# - x: Predictions, an N x D matrix
# - y: Targets, an N x D matrix
#
# Returns list(loss, dx):
# - loss: A number, the mean over all N * D entries of (x - y)^2
# - dx: Gradient of the loss with respect to x, an N x D matrix
mse_loss <- function(x, y) {
  diff <- x - y
  loss <- mean(diff^2)
  dx <- 2 * diff / length(diff)
  list(loss, dx)
}
