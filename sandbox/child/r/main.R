# The entry of a fresh R child: `R --file=main.R --args JOB_FD RESULT_FD`. The launcher set the
# rlimits before exec'ing R; the harness is loaded into an environment of its own, so the
# candidate's global environment holds nothing of it. harness.Rc is the harness's files
# byte-compiled by the runner (runtime.ensure_r_harness), so no child compiles them again.
local({
  args <- commandArgs(trailingOnly = TRUE)
  file_arg <- grep("^--file=", commandArgs(), value = TRUE)[1L]
  here <- dirname(sub("^--file=", "", file_arg))
  harness <- new.env(parent = baseenv())
  compiled <- file.path(here, "harness.Rc")
  loaded <- file.exists(compiled) &&
    !inherits(try(compiler::loadcmp(compiled, envir = harness), silent = TRUE), "try-error")
  if (!loaded) {
    for (part in setdiff(list.files(here, "[.]R$"), c("main.R", "zygote.R"))) {
      sys.source(file.path(here, part), envir = harness)
    }
  }
  harness$run_job(as.integer(args[1L]), as.integer(args[2L]))
})
