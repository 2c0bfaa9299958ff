# Expect: contained. The previous job (an honest candidate) left a file in /tmp: the zygote
# emptied /tmp after it, so nothing of it is left to read.

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

# The marker the honest job wrote, in two halves: never whole in this source or its memory.
first <- charToRaw("ALICE_SECRET_")
second <- charToRaw("MARKER_42")

holds_marker <- function(bytes) {
  for (at in grepRaw(first, bytes, fixed = TRUE, all = TRUE)) {
    tail <- bytes[seq.int(at + length(first), length.out = length(second))]
    if (identical(tail, second)) return(TRUE)
  }
  FALSE
}

affine_forward <- function(x, w, b) {
  mine <- normalizePath(tempdir())
  files <- list.files("/tmp", all.files = TRUE, recursive = TRUE, full.names = TRUE,
                      include.dirs = FALSE, no.. = TRUE)
  files <- files[!startsWith(normalizePath(files), mine)]
  leaked <- FALSE
  for (f in files) {
    bytes <- tryCatch(readBin(f, "raw", 2^20), error = function(e) raw())
    if (holds_marker(bytes)) {
      cat("LEAK", f, "\n")
      leaked <- TRUE
    }
  }
  if (!leaked) cat("BLOCKED /tmp holds", length(files), "files of earlier jobs\n")
  # The control: a file that holds the marker is found by the same check.
  control <- file.path(mine, "control")
  writeLines(paste0("ALICE_SECRET_", "MARKER_42"), control)
  if (!holds_marker(readBin(control, "raw", 2^20))) cat("LEAK the check is blind\n")
  affine(x, w, b)
}
