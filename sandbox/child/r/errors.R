# The R harness's errors: conditions it signals, what a candidate's error becomes (type, line,
# the candidate's call chain) and protect(), which runs candidate code and keeps its output.

cond <- function(type, message) {
  structure(class = c(type, "error", "condition"), list(message = message, call = NULL))
}

error_record <- function(type, message, line = NULL, traceback = "") {
  list(type = type, message = message, line = line, traceback = traceback)
}

clip <- function(text, n, tail = FALSE) {
  if (nchar(text) <= n) {
    return(text)
  }
  if (tail) substr(text, nchar(text) - n + 1L, nchar(text)) else substr(text, 1L, n)
}

error_type <- function(e, message) {
  if (grepl("^cannot allocate vector|^vector memory exhausted|^cannot allocate memory", message)) {
    return("MemoryError") # RLIMIT_AS: reported as the memory limit, as in Python
  }
  if (grepl("nested too deeply|C stack usage|infinite recursion", message)) {
    return("RecursionError")
  }
  type <- class(e)[1L]
  if (type %in% c("simpleError", "error")) "Error" else type
}

# The candidate's frames: each call made from solution.R carries the srcref of its call site,
# so the innermost one is the line that failed (R's own frames have no srcref).
candidate_frames <- function(calls) {
  frames <- list()
  for (call in calls) {
    ref <- attr(call, "srcref")
    file <- if (is.null(ref)) NULL else attr(ref, "srcfile")
    if (!is.null(file) && identical(file$filename, SOLUTION_FILE)) {
      frames[[length(frames) + 1L]] <- list(
        line = ref[[1L]],
        call = clip(paste(deparse(call, nlines = 1L), collapse = ""), 120L)
      )
    }
  }
  frames
}

error_info <- function(e, calls, line = NULL) {
  message <- clip(conditionMessage(e), MAX_MESSAGE_CHARS)
  frames <- candidate_frames(calls)
  if (length(frames)) {
    line <- frames[[length(frames)]]$line
  }
  call <- conditionCall(e)
  head <- if (is.null(call) || inherits(e, c("BadReturn", "BadOutputType"))) {
    "Error"
  } else {
    sprintf("Error in %s", clip(paste(deparse(call, nlines = 1L), collapse = ""), 120L))
  }
  lines <- vapply(frames, function(f) sprintf("  %s#%d: %s", SOLUTION_FILE, f$line, f$call), "")
  text <- paste(c(if (length(lines)) "Calls (innermost last):", lines, paste0(head, ": ", message)),
    collapse = "\n"
  )
  error_record(error_type(e, message), message, line, clip(text, MAX_TRACEBACK_CHARS, tail = TRUE))
}

# Warnings already printed: each once, and at most as many as R keeps (Python's warnings
# filter also prints each once), so a warning in a loop is not an output flood.
WARNED <- character()
MAX_WARNINGS <- 50L

warn <- function(w) {
  text <- conditionMessage(w)
  if (!text %in% WARNED && length(WARNED) < MAX_WARNINGS) {
    WARNED <<- c(WARNED, text)
    cat("Warning: ", text, "\n", sep = "")
  }
  invokeRestart("muffleWarning")
}

# Run fun(); return list(ok, value, error) where error describes what the candidate raised.
# Messages and warnings are printed (they reach the kept output, as Python's stderr does).
protect <- function(fun, line = NULL) {
  info <- NULL
  value <- tryCatch(
    withCallingHandlers(fun(),
      error = function(e) info <<- error_info(e, sys.calls(), line),
      warning = warn,
      message = function(m) {
        cat(conditionMessage(m))
        invokeRestart("muffleMessage")
      }
    ),
    error = function(e) {
      if (is.null(info)) info <<- error_info(e, NULL, line)
      NULL
    }
  )
  list(ok = is.null(info), value = value, error = info)
}
