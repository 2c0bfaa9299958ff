# Expect: contained. Other processes of the sandbox (the zygote, pid 1): their environment,
# memory, maps, fds, root and working directory are out of reach of a job's uid.

affine_forward <- function(x, w, b) {
  others <- setdiff(as.integer(list.files("/proc", pattern = "^[0-9]+$")), Sys.getpid())
  cat("others:", others, "\n")
  for (pid in others) {
    base <- file.path("/proc", pid)
    attempt(paste(pid, "environ"), function() readBin(file.path(base, "environ"), "raw", 4096))
    attempt(paste(pid, "mem"), function() {
      con <- file(file.path(base, "mem"), "rb")
      on.exit(close(con))
      readBin(con, "raw", 16)
    })
    attempt(paste(pid, "maps"), function() readLines(file.path(base, "maps")))
    attempt(paste(pid, "fd"), function() {
      found <- list.files(file.path(base, "fd"))
      if (length(found) == 0L) stop("nothing listed")
      found
    })
    attempt(paste(pid, "root"), function() {
      found <- list.files(file.path(base, "root"))
      if (length(found) == 0L) stop("nothing listed")
      found
    })
    attempt(paste(pid, "cwd"), function() {
      found <- list.files(file.path(base, "cwd"), all.files = TRUE)
      if (length(found) == 0L) stop("nothing listed")
      found
    })
  }
  affine(x, w, b)
}
