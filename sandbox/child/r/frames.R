# The R harness's frames: C-order bytes <-> R arrays with numpy's logical indexing, the job
# frame read from its pipe and the result frame written back (see harness.R for the format).

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
