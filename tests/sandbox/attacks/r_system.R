# Expect: contained. system() and system2() find no shell to run, even past the harness's
# friendly refusal (baseenv()$system, .Internal).

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
  attempt("system", function() system("id", intern = TRUE))
  attempt("system2", function() system2("id", stdout = TRUE))
  attempt("base::system", function() baseenv()$system("cat /proc/1/environ", intern = TRUE))
  attempt("base::system2", function() baseenv()$system2("/usr/bin/id", stdout = TRUE))
  attempt(".Internal(system)", function() .Internal(system("id", TRUE, 0)))
  affine(x, w, b)
}
