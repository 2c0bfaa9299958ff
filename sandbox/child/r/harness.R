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
# Sourced by main.R (a fresh child) or by rpool's zygote.R into an environment of its own;
# run_job(job_fd, result_fd) is the entry point.

SOLUTION_FILE <- "solution.R"
MAX_ARRAY_BYTES <- 64 * 2^20
MAX_NDIM <- 8L
STDOUT_KEEP_BYTES <- 4096L
MAX_MESSAGE_CHARS <- 4000L
MAX_TRACEBACK_CHARS <- 8000L
# Packages a candidate may not load: friendly refusals, not a barrier (see above).
FORBIDDEN_PACKAGES <- c("parallel", "tcltk")

# ---------------------------------------------------------------------------- JSON

JSON_TOKEN <- paste0(
  '"(?:[^"\\\\]|\\\\.)*"',
  "|-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?",
  "|true|false|null|[][{}:,]"
)
JSON_ESCAPE <- paste0(
  "\\\\u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2}",
  "|\\\\u[0-9a-fA-F]{4}|\\\\."
)
JSON_SIMPLE <- c(
  b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", "\"" = "\"", "\\" = "\\", "/" = "/"
)

json_escape_value <- function(e) {
  if (nchar(e) == 2L) {
    return(JSON_SIMPLE[[substr(e, 2L, 2L)]])
  }
  code <- strtoi(substr(e, 3L, 6L), 16L)
  if (nchar(e) == 12L) {
    low <- strtoi(substr(e, 9L, 12L), 16L)
    code <- 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
  } else if (code == 0L || (code >= 0xD800 && code <= 0xDFFF)) {
    code <- 0xFFFD # R strings hold neither NUL nor lone surrogates
  }
  intToUtf8(code)
}

json_unescape <- function(x) {
  has <- grepl("\\", x, fixed = TRUE)
  x[has] <- vapply(x[has], function(s) {
    m <- gregexpr(JSON_ESCAPE, s, perl = TRUE)
    found <- regmatches(s, m)[[1L]]
    regmatches(s, m) <- list(vapply(found, json_escape_value, "", USE.NAMES = FALSE))
    s
  }, "", USE.NAMES = FALSE)
  x
}

# Parse the job header. Objects become named lists, arrays unnamed lists; the trusted side
# wrote the text, so the tokenizer only has to read valid JSON.
json_parse <- function(text) {
  tokens <- regmatches(text, gregexpr(JSON_TOKEN, text, perl = TRUE))[[1L]]
  first <- substr(tokens, 1L, 1L)
  strings <- character(length(tokens))
  is_string <- first == "\""
  strings[is_string] <- json_unescape(
    substr(tokens[is_string], 2L, nchar(tokens[is_string]) - 1L)
  )
  numbers <- rep(NA_real_, length(tokens))
  is_number <- first %in% c("-", as.character(0:9))
  numbers[is_number] <- as.numeric(tokens[is_number])
  pos <- 0L
  value <- function() {
    pos <<- pos + 1L
    f <- first[pos]
    if (f == "{") {
      out <- structure(list(), names = character())
      if (first[pos + 1L] == "}") {
        pos <<- pos + 1L
        return(out)
      }
      repeat {
        key <- strings[pos + 1L]
        pos <<- pos + 2L # the key and its colon
        out[key] <- list(value())
        pos <<- pos + 1L # a comma or the closing brace
        if (first[pos] == "}") {
          return(out)
        }
      }
    }
    if (f == "[") {
      out <- list()
      if (first[pos + 1L] == "]") {
        pos <<- pos + 1L
        return(out)
      }
      repeat {
        out[length(out) + 1L] <- list(value())
        pos <<- pos + 1L
        if (first[pos] == "]") {
          return(out)
        }
      }
    }
    if (f == "\"") {
      return(strings[pos])
    }
    if (f == "t") {
      return(TRUE)
    }
    if (f == "f") {
      return(FALSE)
    }
    if (f == "n") {
      return(NULL)
    }
    numbers[pos]
  }
  value()
}

json_string <- function(x) {
  x <- enc2utf8(as.character(x))
  if (!validUTF8(x)) {
    x <- iconv(x, "UTF-8", "UTF-8", sub = "byte")
  }
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("\"", "\\\"", x, fixed = TRUE)
  if (grepl("[\001-\037\177]", x, useBytes = TRUE)) {
    for (code in c(1:31, 127L)) {
      ch <- rawToChar(as.raw(code))
      x <- gsub(ch, sprintf("\\u%04x", code), x, fixed = TRUE, useBytes = TRUE)
    }
  }
  paste0("\"", x, "\"")
}

json_number <- function(x) {
  if (!is.finite(x)) {
    return("0")
  }
  sprintf("%.17g", x)
}

json_object <- function(fields) {
  if (length(fields) == 0L) {
    return("{}")
  }
  keys <- vapply(names(fields), json_string, "")
  paste0("{", paste0(keys, ":", unlist(fields, use.names = FALSE), collapse = ","), "}")
}

json_error <- function(err) {
  json_object(list(
    type = json_string(err$type),
    message = json_string(err$message),
    line = if (is.null(err$line)) "null" else sprintf("%d", as.integer(err$line)),
    traceback = json_string(err$traceback)
  ))
}

# ---------------------------------------------------------------------------- arrays

# C-order values of numpy shape `shape` -> the R value with the same logical indexing.
from_c_order <- function(values, shape) {
  k <- length(shape)
  if (k <= 1L) {
    return(values) # rank 1: a plain vector; rank 0: a length-1 vector
  }
  aperm(array(values, dim = rev(shape)), k:1L)
}

# An R value kept by the plan -> list(dtype, shape, bytes) for the result frame.
to_wire <- function(value) {
  d <- dim(value)
  shape <- if (is.null(d)) length(value) else as.integer(d)
  flat <- if (length(shape) >= 2L) as.vector(aperm(value, length(shape):1L)) else as.vector(value)
  if (is.logical(flat) && !anyNA(flat)) {
    return(list(dtype = "bool", shape = shape, bytes = as.raw(flat)))
  }
  bytes <- writeBin(as.double(flat), raw(), size = 8L, endian = "little")
  list(dtype = "float64", shape = shape, bytes = bytes)
}

kind_of <- function(value) {
  if (is.null(value)) {
    return("NULL")
  }
  if (is.data.frame(value)) {
    return("a data.frame")
  }
  if (is.factor(value)) {
    return("a factor")
  }
  if (is.environment(value)) {
    return("an environment")
  }
  if (is.function(value)) {
    return("a function")
  }
  if (is.list(value)) {
    return(sprintf("a list of %d", length(value)))
  }
  if (is.character(value)) {
    return("a character vector")
  }
  if (is.complex(value)) {
    return("a complex vector")
  }
  if (isS4(value) || is.object(value)) {
    return(sprintf("an object of class %s", class(value)[1L]))
  }
  sprintf("a %s", typeof(value))
}

bad_output_type <- function(what, value) {
  cond(
    "BadOutputType",
    sprintf(
      "%s: expected a numeric vector, matrix or array, got %s",
      what, kind_of(value)
    )
  )
}

# Check a kept value and convert it; signals BadOutputType / BadReturn conditions.
kept_array <- function(value, what) {
  numeric <- is.double(value) || is.integer(value) || is.logical(value)
  if (!numeric || is.factor(value) || is.data.frame(value) || isS4(value) || is.null(value)) {
    stop(bad_output_type(what, value))
  }
  if (length(dim(value)) > MAX_NDIM) {
    stop(cond("BadReturn", sprintf("%s: more than %d dimensions", what, MAX_NDIM)))
  }
  to_wire(value)
}

# ---------------------------------------------------------------------------- frames

read_exactly <- function(con, what, n, size = NA_integer_, signed = TRUE) {
  got <- readBin(con, what, n, size = size, signed = signed, endian = "little")
  if (length(got) != n) {
    stop("the job frame ended early")
  }
  got
}

read_job <- function(con) {
  head_len <- read_exactly(con, "integer", 1L, size = 4L)
  header <- json_parse(rawToChar(read_exactly(con, "raw", head_len)))
  arrays <- list()
  for (spec in header[["arrays"]]) {
    shape <- as.integer(unlist(spec[["shape"]]))
    n <- as.integer(prod(shape))
    values <- switch(spec[["dtype"]],
      float64 = read_exactly(con, "double", n, size = 8L),
      float32 = read_exactly(con, "double", n, size = 4L),
      int64 = read_exactly(con, "integer", n, size = 8L),
      int32 = read_exactly(con, "integer", n, size = 4L),
      uint8 = read_exactly(con, "integer", n, size = 1L, signed = FALSE),
      bool = read_exactly(con, "integer", n, size = 1L, signed = FALSE) != 0L,
      stop("unknown dtype ", spec[["dtype"]])
    )
    arrays[spec[["name"]]] <- list(from_c_order(values, shape))
  }
  list(source = header[["source"]], plan = header[["plan"]], arrays = arrays)
}

encode_result <- function(result) {
  arrays <- result$outputs
  total <- sum(vapply(arrays, function(a) length(a$bytes), 0))
  if (total > MAX_ARRAY_BYTES) {
    message <- sprintf("the returned arrays exceed %d bytes", MAX_ARRAY_BYTES)
    result$errors <- list("__result__" = error_record("BadReturn", message))
    arrays <- list()
  }
  specs <- vapply(names(arrays), function(name) {
    a <- arrays[[name]]
    shape <- paste0("[", paste(sprintf("%d", a$shape), collapse = ","), "]")
    json_object(list(name = json_string(name), dtype = json_string(a$dtype), shape = shape))
  }, "")
  header <- json_object(list(
    kind = json_string("result"),
    status = json_string(result$status),
    errors = json_object(lapply(result$errors, json_error)),
    timings = json_object(lapply(result$timings, json_number)),
    module_error = if (is.null(result$module_error)) "null" else json_error(result$module_error),
    stdout = json_string(result$stdout),
    refusals = paste0("[", paste(vapply(result$refusals, json_string, ""), collapse = ","), "]"),
    arrays = paste0("[", paste(specs, collapse = ","), "]")
  ))
  head <- charToRaw(enc2utf8(header))
  c(
    writeBin(length(head), raw(), size = 4L, endian = "little"),
    head,
    unlist(lapply(arrays, `[[`, "bytes"), use.names = FALSE)
  )
}

# ---------------------------------------------------------------------------- errors

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

# ---------------------------------------------------------------------------- guards

REFUSALS <- character()

refuse <- function(event, what) {
  REFUSALS <<- union(REFUSALS, event)
  stop(cond("PermissionError", sprintf("%s is not allowed in the sandbox", what)))
}

check_package <- function(package) {
  name <- as.character(package)[1L]
  if (!is.na(name) && name %in% FORBIDDEN_PACKAGES) {
    stop(cond(
      "ForbiddenImportError",
      sprintf("library(%s) is not allowed here: only base R and its numeric packages", name)
    ))
  }
}

# What candidate code sees between its own environment and the search path (stats, utils, base).
make_guards <- function() {
  g <- new.env(parent = globalenv()) # then the attached packages, then base
  refused <- list(
    system = "os.system", system2 = "subprocess.Popen", pipe = "subprocess.Popen",
    socketConnection = "socket.connect", socketAccept = "socket.bind",
    serverSocket = "socket.bind", url = "socket.connect", dyn.load = "ctypes.dlopen",
    .C = "ctypes.call_function", .Call = "ctypes.call_function",
    .External = "ctypes.call_function", .Fortran = "ctypes.call_function"
  )
  for (name in names(refused)) {
    local({
      fn <- name
      event <- refused[[name]]
      assign(fn, function(...) refuse(event, paste0(fn, "()")), envir = g)
    })
  }
  # Each calls base R's own function itself: through `::` it would find these again.
  for (name in c("library", "require")) {
    local({
      base_fn <- get(name, envir = baseenv())
      assign(name, function(package, ...) {
        check_package(substitute(package))
        call <- match.call()
        call[[1L]] <- base_fn
        eval(call, parent.frame())
      }, envir = g)
    })
  }
  for (name in c("loadNamespace", "requireNamespace")) {
    local({
      base_fn <- get(name, envir = baseenv())
      assign(name, function(package, ...) {
        check_package(package)
        base_fn(package, ...)
      }, envir = g)
    })
  }
  g$`::` <- function(pkg, name) {
    pkg <- as.character(substitute(pkg))
    check_package(pkg)
    getExportedValue(pkg, as.character(substitute(name)))
  }
  g
}

# ---------------------------------------------------------------------------- loading

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

# ---------------------------------------------------------------------------- the plan

is_object <- function(x) is.list(x) && !is.null(names(x))

# A JSON value as R: numbers numeric, strings character, booleans logical, null NULL; an
# array of scalars of one kind a vector, other arrays lists, objects named lists.
json_value <- function(x) {
  if (!is.list(x)) {
    return(x)
  }
  if (is_object(x)) {
    return(lapply(x, json_value))
  }
  scalar <- vapply(x, function(v) !is.list(v) && length(v) == 1L, NA)
  if (length(x) && all(scalar) && length(unique(vapply(x, typeof, ""))) == 1L) {
    return(unlist(x))
  }
  lapply(x, json_value)
}

deep_copy <- function(x) {
  if (is.environment(x) && !isNamespace(x) && !identical(x, globalenv()) && !identical(x, baseenv())) {
    copy <- new.env(parent = parent.env(x))
    for (name in ls(x, all.names = TRUE)) assign(name, deep_copy(get(name, envir = x)), envir = copy)
    return(copy)
  }
  if (is.list(x) && !is.data.frame(x)) {
    x[] <- lapply(x, deep_copy)
  }
  x
}

plan_error <- function(message) stop(cond("PlanError", message))

follow <- function(obj, path) {
  for (part in path) {
    if (is.numeric(part)) {
      i <- as.integer(part) + 1L
      if (is.environment(obj) || is.null(obj) || i < 1L || i > length(obj)) {
        stop(cond("IndexError", sprintf("index %d out of range", i)))
      }
      obj <- obj[[i]]
    } else if (is.character(part)) {
      if (startsWith(part, "_")) plan_error(sprintf("private attribute '%s' refused", part))
      if (is.environment(obj)) {
        if (!exists(part, envir = obj, inherits = FALSE)) stop(cond("KeyError", sprintf("'%s'", part)))
        obj <- get(part, envir = obj, inherits = FALSE)
      } else if (is.list(obj) && part %in% names(obj)) {
        obj <- obj[[part]]
      } else {
        stop(cond("KeyError", sprintf("'%s'", part)))
      }
    } else {
      plan_error("bad path element")
    }
  }
  obj
}

# obj with the value at `path` replaced: environments in place (the caller's see it, as a
# Python dict's holders do), lists rebuilt on the way back up.
set_in <- function(obj, path, value) {
  part <- path[[1L]]
  rest <- path[-1L]
  if (is.character(part) && startsWith(part, "_")) plan_error(sprintf("cannot assign '%s'", part))
  if (is.environment(obj)) {
    if (!is.character(part)) plan_error("cannot index an environment by position")
    new <- if (length(rest)) set_in(get(part, envir = obj, inherits = FALSE), rest, value) else value
    assign(part, new, envir = obj)
    return(obj)
  }
  if (!is.list(obj)) plan_error(sprintf("cannot assign into %s", kind_of(obj)))
  key <- if (is.numeric(part)) as.integer(part) + 1L else part
  new <- if (length(rest)) set_in(obj[[key]], rest, value) else value
  obj[key] <- list(new)
  obj
}

refs_of <- function(expr, found = character()) {
  if (!is.list(expr)) {
    return(found)
  }
  if ("ref" %in% names(expr)) {
    return(c(found, as.character(expr[["ref"]])))
  }
  for (key in c("dict", "list")) {
    if (key %in% names(expr) && is.list(expr[[key]])) {
      for (sub in expr[[key]]) found <- refs_of(sub, found)
    }
  }
  found
}

call_name <- function(step) {
  call <- step[["call"]]
  if (is.character(call)) {
    return(call)
  }
  if (is.list(call)) {
    path <- unlist(call[["path"]])
    if (length(path)) {
      return(paste(path, collapse = "."))
    }
    return(as.character(call[["ref"]]))
  }
  as.character(step[["id"]])
}

new_plan_runner <- function(job, env) {
  store <- new.env(parent = emptyenv())
  failed <- character()
  outputs <- list()
  errors <- list()
  timings <- list()

  stored <- function(id) get(id, envir = store, inherits = FALSE)

  evaluate <- function(expr) {
    if (!is_object(expr)) plan_error("malformed expression")
    keys <- names(expr)
    if ("array" %in% keys) {
      name <- expr[["array"]]
      if (!name %in% names(job$arrays)) plan_error(sprintf("unknown input array '%s'", name))
      return(job$arrays[[name]])
    }
    if ("value" %in% keys) {
      return(json_value(expr[["value"]]))
    }
    if ("ref" %in% keys) {
      value <- follow(stored(expr[["ref"]]), expr[["path"]])
      return(if (isTRUE(expr[["copy"]])) deep_copy(value) else value)
    }
    if ("dict" %in% keys) {
      dict <- new.env(parent = emptyenv())
      for (k in names(expr[["dict"]])) assign(k, evaluate(expr[["dict"]][[k]]), envir = dict)
      return(dict)
    }
    if ("list" %in% keys) {
      return(lapply(expr[["list"]], evaluate))
    }
    plan_error("malformed expression")
  }

  # Call fn as `name(arg1, ..., key = key)` so an error's call reads like the candidate's code
  # (values inlined by do.call would be deparsed into every message).
  invoke <- function(fn, name, args, kwargs) {
    frame <- new.env(parent = baseenv())
    assign(name, fn, envir = frame)
    symbols <- list()
    for (i in seq_along(args)) {
      arg <- sprintf("arg%d", i)
      assign(arg, args[[i]], envir = frame)
      symbols[[i]] <- as.name(arg)
    }
    for (k in names(kwargs)) {
      assign(k, kwargs[[k]], envir = frame)
      symbols[[k]] <- as.name(k)
    }
    eval(as.call(c(as.name(name), symbols)), frame)
  }

  step_value <- function(sid, step) {
    keys <- names(step)
    if ("call" %in% keys) {
      target <- step[["call"]]
      if (is.character(target)) {
        fn <- if (startsWith(target, "_")) NULL else get0(target, envir = env, inherits = FALSE)
        if (is.null(fn)) {
          stop(cond("Error", sprintf("%s does not define %s()", SOLUTION_FILE, target)))
        }
        name <- target
      } else {
        fn <- follow(stored(target[["ref"]]), target[["path"]])
        name <- make.names(call_name(step))
      }
      if (!is.function(fn)) stop(cond("Error", sprintf("%s is not a function", call_name(step))))
      args <- lapply(step[["args"]], evaluate)
      kwargs <- lapply(step[["kwargs"]], evaluate)
      start <- proc.time()
      value <- invoke(fn, name, args, kwargs)
      if (isTRUE(step[["timed"]])) {
        used <- proc.time() - start
        timings[[sid]] <<- max(0, used[["user.self"]] + used[["sys.self"]])
      }
      return(value)
    }
    if ("let" %in% keys) {
      return(evaluate(step[["let"]]))
    }
    if ("assign" %in% keys) {
      target <- step[["assign"]]
      path <- target[["path"]]
      if (!length(path)) plan_error("assign needs a non-empty path")
      value <- evaluate(step[["value"]])
      assign(target[["ref"]], set_in(stored(target[["ref"]]), path, value), envir = store)
      return(NULL)
    }
    plan_error(sprintf("step '%s' has no call, let or assign", sid))
  }

  pick <- function(value, path, name, expected) {
    if (length(path) && is.numeric(path[[1L]])) {
      if (!is.list(value) || is.data.frame(value)) {
        stop(cond("BadReturn", sprintf(
          "%s returned %s, expected a list of %d values", name, kind_of(value), expected
        )))
      }
      if (path[[1L]] >= length(value)) {
        stop(cond("BadReturn", sprintf(
          "%s returned a list of %d, expected %d", name, length(value), expected
        )))
      }
    }
    tryCatch(follow(value, path), error = function(e) {
      where <- paste(vapply(path, function(p) {
        if (is.numeric(p)) sprintf("[[%d]]", as.integer(p) + 1L) else sprintf("$%s", p)
      }, ""), collapse = "")
      stop(cond("BadReturn", sprintf(
        "%s: cannot find %s in the value returned: %s", name, where, conditionMessage(e)
      )))
    })
  }

  keep <- function(step, value) {
    wanted <- step[["keep"]]
    if (!length(wanted)) {
      return(invisible())
    }
    heads <- unlist(lapply(wanted, function(p) if (length(p) && is.numeric(p[[1L]])) p[[1L]]))
    expected <- if (length(heads)) max(heads) + 1L else 0L
    name <- call_name(step)
    for (out in names(wanted)) {
      got <- tryCatch(
        kept_array(pick(value, wanted[[out]], name, expected), paste0(name, ": ", out)),
        error = function(e) {
          type <- class(e)[1L]
          if (!type %in% c("BadReturn", "BadOutputType")) type <- "BadReturn"
          error_record(type, clip(conditionMessage(e), MAX_MESSAGE_CHARS))
        }
      )
      if (is.null(got$dtype)) errors[[out]] <<- got else outputs[[out]] <<- got
    }
  }

  run <- function() {
    for (step in job$plan) {
      sid <- as.character(step[["id"]])
      found <- character()
      if (is.list(step[["call"]])) found <- refs_of(step[["call"]], found)
      if (is.list(step[["assign"]])) found <- refs_of(step[["assign"]], found)
      for (key in c("let", "value")) found <- refs_of(step[[key]], found)
      for (arg in step[["args"]]) found <- refs_of(arg, found)
      for (arg in step[["kwargs"]]) found <- refs_of(arg, found)
      missing <- found[found %in% failed | !vapply(found, exists, NA, envir = store, inherits = FALSE)]
      if (length(missing)) {
        errors[[sid]] <<- error_record("Skipped", paste("depends on", missing[[1L]]))
        failed <<- c(failed, sid)
        next
      }
      done <- protect(function() step_value(sid, step))
      if (!done$ok) {
        errors[[sid]] <<- done$error
        failed <<- c(failed, sid)
        next
      }
      assign(sid, done$value, envir = store)
      keep(step, done$value)
    }
    list(outputs = outputs, errors = errors, timings = timings)
  }
  list(run = run)
}

# ---------------------------------------------------------------------------- one job

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
