relu_forward <- function(x) {
  list(pmax(x, 0), x)
}

relu_backward <- function(dout, cache) {
  dout * (cache > 0)
}
