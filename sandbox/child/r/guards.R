# The R harness's guards: friendly refusals of system(), sockets and forbidden packages, between
# the candidate's environment and the search path. Not a barrier (see harness.R).

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
