relu_forward <- function(x) {
  # Forward pass of a ReLU layer; returns list(out, cache).
  out <- NULL
  # TODO: the rectified linear unit, entry by entry (keep the dimensions of x).
  cache <- x
  list(out, cache)
}

relu_backward <- function(dout, cache) {
  # Backward pass of a ReLU layer; returns dx.
  dx <- NULL
  # TODO: the gradient with respect to the forward's input x.
  dx
}
