# Computes the logistic sigmoid elementwise.
#
# Input:
# - x: Inputs, a numeric array of any shape
#
# Returns list(out, cache):
# - out: Output, of the same shape as x
# - cache: out, kept for the backward pass
sigmoid_forward <- function(x) {
  # Split by sign so that exp() never overflows for large |x|.
  z <- exp(-abs(x))
  out <- ifelse(x >= 0, 1 / (1 + z), z / (1 + z))
  cache <- out
  list(out, cache)
}

# Computes the backward pass for the sigmoid.
#
# Input:
# - dout: Upstream derivatives, of the same shape as the forward output
# - cache: out from sigmoid_forward
#
# Returns dx, the gradient with respect to x.
sigmoid_backward <- function(dout, cache) {
  out <- cache
  dx <- dout * out * (1 - out)
  dx
}
