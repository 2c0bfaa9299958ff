# Computes tanh(x) elementwise.
#
# Input:
# - x: Inputs, a numeric array of any shape. Do not modify it.
#
# Returns list(out, cache):
# - out: Output, of the same shape as x
# - cache: Whatever your backward pass needs (you design it)
tanh_forward <- function(x) {
  out <- array(0, dim = dim(x))
  cache <- NULL
  # TODO: implement the tanh forward pass.
  list(out, cache)
}

# Computes the backward pass for tanh.
#
# Input:
# - dout: Upstream derivatives, of the same shape as the forward output.
#   Do not modify it.
# - cache: What tanh_forward returned as its cache
#
# Returns dx, the gradient with respect to x.
tanh_backward <- function(dout, cache) {
  dx <- array(0, dim = dim(dout))
  # TODO: implement the tanh backward pass.
  dx
}
