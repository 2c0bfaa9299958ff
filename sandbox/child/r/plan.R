# The R harness's plan interpreter: the twin of sandbox/child/plan.py. Evaluates the steps of
# the job's call plan against the candidate's functions and keeps the arrays asked for.

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
