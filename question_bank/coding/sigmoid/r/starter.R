# Computes the logistic sigmoid, sigma(x) = 1 / (1 + exp(-x)), elementwise.
#
# Input:
# - x: Inputs, a numeric array of any shape. Do not modify it.
#
# Returns list(out, cache):
# - out: Output, of the same shape as x
# - cache: Whatever your backward pass needs (you design it)
sigmoid_forward <- function(x) {
  out <- array(0, dim = dim(x))
  cache <- NULL
  # TODO: implement the sigmoid forward pass. It must not overflow for
  # large |x| (e.g. x = -800).
  list(out, cache)
}

# Computes the backward pass for the sigmoid.
#
# Input:
# - dout: Upstream derivatives, of the same shape as the forward output.
#   Do not modify it.
# - cache: What sigmoid_forward returned as its cache
#
# Returns dx, the gradient with respect to x, of the same shape as x.
sigmoid_backward <- function(dout, cache) {
  dx <- array(0, dim = dim(dout))
  # TODO: implement the sigmoid backward pass.
  dx
}
