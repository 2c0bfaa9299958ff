# Expect: timeout. mcparallel() children that spin, started without end.

affine_forward <- function(x, w, b) {
  mcparallel <- get("mcparallel", envir = baseenv()$loadNamespace("parallel"))
  repeat try(mcparallel(repeat NULL), silent = TRUE)
}
