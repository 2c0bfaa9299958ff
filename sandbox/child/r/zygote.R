# The warm R zygote: pid 1 of a pooled R sandbox, a fork server with the harness loaded.
#
# Launched by bwrap exactly where the Python zygote is (the slot uid, bwrap.ZYGOTE_CAPS in the
# slot's two-uid user namespace), with the fds of its four pipes and the job uid as arguments:
#   R --no-echo --vanilla --file=zygote.R --args CHILD_DIR CTL STATUS JOB RESULT JOB_UID
# It loads the packages and the harness once, then calls rz_serve (zygote.c), which never
# returns in the zygote: it serves the control pipe and forks once per job. It returns in each
# child, after the child switched to the job uid with no capability and its rlimits set; the
# code below that call runs one job and is the only R code a job's process ever runs before
# the candidate's. The zygote itself never reads a job byte.
#
# One top-level expression: R reads a --file script one expression at a time, and a child has
# closed the script's fd, so everything a child runs must have been parsed before the fork.
local({
  args <- commandArgs(trailingOnly = TRUE)
  child_dir <- args[[1L]]
  fds <- as.integer(args[2:5])

  # The packages an R session attaches by default. utils' .onLoad asks system() for `uname`
  # (there is no shell in the sandbox, so it fails and the package would not load): system is
  # stubbed for the load, then restored.
  real_system <- base::system
  unlockBinding("system", baseenv())
  assign("system", function(command, intern = FALSE, ...) if (intern) character() else 127L,
         envir = baseenv())
  for (pkg in c("methods", "utils", "grDevices", "graphics", "stats")) {
    suppressPackageStartupMessages(library(pkg, character.only = TRUE))
  }
  assign("system", real_system, envir = baseenv())
  lockBinding("system", baseenv())

  harness <- new.env(parent = baseenv())
  for (part in setdiff(list.files(child_dir, "[.]R$"), c("main.R", "zygote.R"))) {
    sys.source(file.path(child_dir, part), envir = harness)  # the harness's files (harness.R)
  }
  # A child ends with _exit once its output is flushed: R's own clean-up at quit() forks a
  # shell to remove its temp dir (there is no shell; the zygote empties /tmp anyway).
  harness$quit <- function(save = "no", status = 0L, runLast = FALSE) {
    .C("rz_exit", as.integer(status))
  }
  # R's JIT compiles a closure on its first call: once here, not in every child (~0.2 s of CPU).
  for (name in ls(harness, all.names = TRUE)) {
    if (is.function(value <- get(name, envir = harness))) {
      assign(name, compiler::cmpfun(value), envir = harness)
    }
  }
  dyn.load(file.path(child_dir, "zygote.so"))
  invisible(gc())

  forked <- .C("rz_serve", fds, as.integer(args[[6L]]), seed = integer(1L))
  # From here on: a job's child, already the job uid, without capabilities, under its limits.
  set.seed(forked$seed)
  invisible(tempdir(check = TRUE))  # the zygote's session directory went with the last wipe
  harness$run_job(fds[[3L]], fds[[4L]])  # it ends the process
  .C("rz_exit", 70L)  # only if the harness returned: as the Python child, 70
})
