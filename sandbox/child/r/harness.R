# Runs INSIDE the sandbox child (R): reads one job frame, sources the candidate's file into a
# fresh environment, runs the call plan, writes one result frame.
#
# The R twin of sandbox/child/harness.py and plan.py, under the same contract
# (docs/judge-contract.md, "The R side"). Nothing here is trusted by the other side and nothing
# here is a barrier: the refusals below (system(), sockets, library(parallel)) only turn common
# misuse into friendly messages and a `rejected` verdict, and base::system or .Internal step
# around them. The barriers are outside the process (bwrap, the slot uid, seccomp, cgroups,
# rlimits), and every verdict is computed on the trusted side from the arrays sent back.
#
# Frames: a u32 little-endian header length, a JSON header, then each array's raw
# little-endian bytes in C order. R stores arrays column-major: an input of shape
# (d1, ..., dk) is read as an array of dims (dk, ..., d1) and then aperm()-ed, so that x[i, j]
# in R is x[i-1, j-1] in numpy; outputs go back the reverse way.
#
# Each file of this directory but main.R and zygote.R is one part of the harness: json.R,
# frames.R, errors.R, guards.R, plan.R and this one (load the candidate, run a job). All are
# sourced into one environment (or byte-compiled together into harness.Rc,
# # runtime.ensure_r_harness) by main.R (a fresh child) or rpool's zygote.R; none runs anything at
# load, so their order does not matter. run_job(job_fd, result_fd) is the entry point.

SOLUTION_FILE <- "solution.R"
MAX_ARRAY_BYTES <- 64 * 2^20
MAX_NDIM <- 8L
STDOUT_KEEP_BYTES <- 4096L
MAX_MESSAGE_CHARS <- 4000L
MAX_TRACEBACK_CHARS <- 8000L
# Packages a candidate may not load: friendly refusals, not a barrier (see above).
FORBIDDEN_PACKAGES <- c("parallel", "tcltk")

# Attach R's default packages, as an R session does (rnorm, sd, head, str), the same ones the
# pooled zygote attaches (zygote.R). Trusted set-up, before any candidate code: utils' .onLoad
# asks the shell where `uname` is (Sys.which), and the sandbox has no shell, so base::system
# answers "nothing" while they load.
DEFAULT_PACKAGES <- c("methods", "utils", "grDevices", "graphics", "stats")

prepare_session <- function() {
  base <- baseenv()
  real <- get("system", envir = base)
  unlockBinding("system", base)
  assign("system", function(command, intern = FALSE, ...) if (intern) character() else 127L,
    envir = base
  )
  on.exit({
    assign("system", real, envir = base)
    lockBinding("system", base)
  })
  for (package in DEFAULT_PACKAGES) {
    suppressPackageStartupMessages(library(package, character.only = TRUE))
  }
  options(useFancyQuotes = FALSE) # messages quote names 'like this', as the statements do
}

load_solution <- function(source) {
  lines <- strsplit(source, "\n", fixed = TRUE)[[1L]]
  env <- new.env(parent = make_guards())
  parsed <- tryCatch(
    parse(text = source, keep.source = TRUE, srcfile = srcfilecopy(SOLUTION_FILE, lines)),
    error = function(e) e
  )
  if (inherits(parsed, "error")) {
    message <- conditionMessage(parsed)
    at <- regmatches(message, regexec(paste0("^", SOLUTION_FILE, ":([0-9]+):"), message))[[1L]]
    line <- if (length(at)) as.integer(at[2L]) else NULL
    first <- strsplit(message, "\n", fixed = TRUE)[[1L]][1L]
    return(list(env = NULL, status = "load_error", error = error_record(
      "SyntaxError", clip(first, MAX_MESSAGE_CHARS), line, clip(message, MAX_TRACEBACK_CHARS)
    )))
  }
  refs <- attr(parsed, "srcref")
  for (i in seq_along(parsed)) {
    expr <- parsed[[i]]
    run <- protect(function() eval(expr, env), line = refs[[i]][[1L]])
    if (!run$ok) {
      status <- if (run$error$type == "ForbiddenImportError") "rejected" else "load_error"
      return(list(env = NULL, status = status, error = run$error))
    }
  }
  list(env = env, status = "ok", error = NULL)
}

# Everything the candidate prints goes to fd 1 (the trusted side counts it and stops a flood)
# and to a file in /tmp, whose head becomes the feedback the candidate sees.
execute <- function(job) {
  capture <- tempfile("stdout")
  sink_con <- file(capture, open = "w")
  sink(sink_con, split = TRUE)
  on.exit({
    sink()
    close(sink_con)
  })
  loaded <- load_solution(job$source)
  ran <- list(outputs = list(), errors = list(), timings = list())
  if (!is.null(loaded$env)) {
    ran <- new_plan_runner(job, loaded$env)$run()
  }
  sink()
  close(sink_con)
  on.exit()
  head <- readBin(capture, "raw", STDOUT_KEEP_BYTES)
  stdout <- iconv(rawToChar(head[head != as.raw(0L)]), "UTF-8", "UTF-8", sub = "?")
  list(
    status = loaded$status,
    outputs = ran$outputs,
    errors = ran$errors,
    timings = ran$timings,
    module_error = loaded$error,
    stdout = if (is.na(stdout)) "" else stdout,
    refusals = REFUSALS
  )
}

fd_connection <- function(fd, mode) file(sprintf("/proc/self/fd/%d", fd), open = mode, raw = TRUE)

run_job <- function(job_fd, result_fd, prepared = FALSE) {
  if (!prepared) prepare_session()
  job <- tryCatch(
    {
      con <- fd_connection(job_fd, "rb")
      job <- read_job(con)
      close(con)
      job
    },
    error = function(e) {
      cat("harness: bad job:", conditionMessage(e), "\n", file = stderr())
      quit(save = "no", status = 3L, runLast = FALSE)
    }
  )
  result <- execute(job)
  frame <- encode_result(result)
  out <- fd_connection(result_fd, "wb")
  writeBin(frame, out)
  close(out)
  quit(save = "no", status = 0L, runLast = FALSE)
}
