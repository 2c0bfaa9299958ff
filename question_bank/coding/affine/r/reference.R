# Each example as one row, its entries in row-major order (numpy's x.reshape(N, -1)), which
# is the order of w's rows; matrix(x, nrow = N) alone would take them column-major.
flatten_rows <- function(x) {
  k <- length(dim(x))
  matrix(aperm(x, c(1, rev(seq_len(k))[-k])), nrow = dim(x)[1])
}

affine_forward <- function(x, w, b) {
  out <- sweep(flatten_rows(x) %*% w, 2, b, "+")
  list(out, list(x = x, w = w))
}

affine_backward <- function(dout, cache) {
  x <- cache$x
  w <- cache$w
  k <- length(dim(x))
  dx_rows <- dout %*% t(w)
  dx <- aperm(array(dx_rows, dim = c(dim(x)[1], rev(dim(x)[-1]))), c(1, rev(seq_len(k))[-k]))
  dw <- t(flatten_rows(x)) %*% dout
  db <- colSums(dout)
  list(dx, dw, db)
}
