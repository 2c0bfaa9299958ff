# Computes tanh elementwise.
#
# Input:
# - x: Inputs, a numeric array of any shape
#
# Returns list(out, cache):
# - out: Output, of the same shape as x
# - cache: out
tanh_forward <- function(x) {
  out <- tanh(x)
  cache <- out
  list(out, cache)
}

# Computes the backward pass for tanh.
#
# Returns dx, the gradient with respect to x.
tanh_backward <- function(dout, cache) {
  out <- cache
  dx <- dout * (1 - out^2)
  dx
}
