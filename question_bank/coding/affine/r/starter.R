# Each example as one row, its entries in row-major order (numpy's x.reshape(N, -1)), which
# is the order of w's rows; matrix(x, nrow = N) alone would take them column-major.
flatten_rows <- function(x) {
  k <- length(dim(x))
  matrix(aperm(x, c(1, rev(seq_len(k))[-k])), nrow = dim(x)[1])
}

affine_forward <- function(x, w, b) {
  # Forward pass of an affine layer; returns list(out, cache).
  out <- NULL
  # TODO: flatten each example of x, multiply by w and add b.
  cache <- list(x = x, w = w, b = b)
  list(out, cache)
}

affine_backward <- function(dout, cache) {
  # Backward pass of an affine layer; returns list(dx, dw, db).
  x <- cache$x
  w <- cache$w
  dx <- NULL
  dw <- NULL
  db <- NULL
  # TODO: compute the gradients with respect to x, w and b.
  list(dx, dw, db)
}
