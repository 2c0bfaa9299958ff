# Expect: memory_limit. One huge vector: RLIMIT_AS refuses it, R reports it.

affine_forward <- function(x, w, b) {
  hog <- numeric(2^40)
  affine(x, w, b)
}
