# The entry of a fresh R child: `R --file=main.R --args JOB_FD RESULT_FD`. The launcher set the
# rlimits before exec'ing R; the harness is sourced into an environment of its own, so the
# candidate's global environment holds nothing of it.
local({
  args <- commandArgs(trailingOnly = TRUE)
  file_arg <- grep("^--file=", commandArgs(), value = TRUE)[1L]
  harness <- new.env(parent = baseenv())
  sys.source(file.path(dirname(sub("^--file=", "", file_arg)), "harness.R"), envir = harness)
  harness$run_job(as.integer(args[1L]), as.integer(args[2L]))
})
