# The entry of a fresh R child: `R --file=main.R --args JOB_FD RESULT_FD`. The launcher set the
# rlimits before exec'ing R; the harness is loaded into an environment of its own, so the
# candidate's global environment holds nothing of it. harness.Rc is harness.R byte-compiled by
# the runner (runtime.ensure_r_harness): else R's JIT compiles its closures in every child.
local({
  args <- commandArgs(trailingOnly = TRUE)
  file_arg <- grep("^--file=", commandArgs(), value = TRUE)[1L]
  here <- dirname(sub("^--file=", "", file_arg))
  harness <- new.env(parent = baseenv())
  compiled <- file.path(here, "harness.Rc")
  loaded <- file.exists(compiled) &&
    !inherits(try(compiler::loadcmp(compiled, envir = harness), silent = TRUE), "try-error")
  if (!loaded) sys.source(file.path(here, "harness.R"), envir = harness)
  harness$run_job(as.integer(args[1L]), as.integer(args[2L]))
})
