# Expect: contained. No socket at all (seccomp), and no network in the namespace anyway.

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
  attempt("socketConnection", function() {
    socketConnection("127.0.0.1", 5432, open = "r+b", timeout = 1)
  })
  attempt("base::socketConnection", function() {
    baseenv()$socketConnection("127.0.0.1", 8000, open = "r+b", timeout = 1)
  })
  attempt("base::serverSocket", function() baseenv()$serverSocket(8123))
  attempt("url", function() readLines(url("http://127.0.0.1:8000/")))
  attempt("base::url", function() readLines(baseenv()$url("http://127.0.0.1:8000/")))
  attempt("make.socket", function() getNamespace("utils")$make.socket("127.0.0.1", 5432))
  attempt("download.file", function() {
    getNamespace("utils")$download.file("http://127.0.0.1:8000/", "/tmp/page", quiet = TRUE)
  })
  affine(x, w, b)
}
