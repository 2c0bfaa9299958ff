# The R harness's JSON: parses the job header (objects -> named lists) and writes the result
# header. No CRAN package; the trusted side wrote the text it reads.

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
