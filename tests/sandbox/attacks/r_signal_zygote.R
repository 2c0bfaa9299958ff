# Expect: contained. Signal, re-nice or re-limit the R zygote (pid 1) with what base R offers:
# it runs as another uid, so every try fails, and the slot goes on grading.

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

tools_ns <- baseenv()$loadNamespace("tools")

affine_forward <- function(x, w, b) {
  for (sig in c(19L, 15L, 9L)) {  # SIGSTOP, SIGTERM, SIGKILL
    attempt(paste("pskill", sig), function() {
      if (!tools_ns$pskill(1L, sig)) stop("refused")
    })
  }
  attempt("psnice 19", function() {
    tools_ns$psnice(1L, 19L)  # returns the old priority whether or not the change took
    if (!identical(tools_ns$psnice(1L), 19L)) stop("unchanged")
  })
  attempt("mckill", function() {
    mckill <- get("mckill", envir = baseenv()$loadNamespace("parallel"))
    if (!isTRUE(mckill(1L, 9L))) stop("refused")
  })
  for (leaf in c("oom_score_adj", "comm", "timerslack_ns", "coredump_filter")) {
    attempt(paste("write", leaf), function() writeLines("1", file.path("/proc/1", leaf)))
  }
  affine(x, w, b)
}
