# Expect: recycled. A maze in /tmp deeper than the zygote empties (64 levels), every directory
# mode 000, with the candidate's answer at the bottom: the zygote reports itself spoiled, the
# pool replaces it, and the next job's /tmp is a new, empty one.

flat <- function(x) {
  k <- length(dim(x))
  matrix(aperm(x, c(1L, rev(seq_len(k)[-1L]))), dim(x)[1L])
}
affine <- function(x, w, b) list(flat(x) %*% w + rep(b, each = dim(x)[1L]), list(x, w, b))
affine_backward <- function(dout, cache) {
  x <- cache[[1L]]
  d <- dim(x)
  back <- c(1L, rev(seq_along(d)[-1L]))
  dx <- aperm(array(dout %*% t(cache[[2L]]), c(d[1L], rev(d[-1L]))), back)
  list(dx, t(flat(x)) %*% dout, colSums(dout))
}
# fn() must fail (an error or a warning) for the attempt to count as BLOCKED
attempt <- function(label, fn) {
  got <- tryCatch(fn(), error = function(e) e, warning = function(w) w)
  if (inherits(got, "condition")) {
    cat("BLOCKED", label, "\n")
  } else {
    cat("LEAK", label, "\n")
  }
}

affine_forward <- function(x, w, b) {
  deepest <- file.path("/tmp", paste(rep("maze", 100L), collapse = "/"))
  dir.create(deepest, recursive = TRUE)
  writeLines("answer", file.path(deepest, "left-for-the-next-job"))
  for (depth in 100:1) {
    Sys.chmod(file.path("/tmp", paste(rep("maze", depth), collapse = "/")), "000")
  }
  affine(x, w, b)
}
