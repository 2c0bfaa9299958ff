# Expect: contained. The previous job (an honest candidate) left a file in /tmp: the zygote
# emptied /tmp after it, so nothing of it is left to read.

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
