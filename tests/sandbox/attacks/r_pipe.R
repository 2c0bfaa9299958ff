# Expect: contained. pipe() needs a shell the sandbox does not have.

affine_forward <- function(x, w, b) {
  attempt("pipe", function() readLines(pipe("id")))
  attempt("base::pipe", function() readLines(baseenv()$pipe("ls /")))
  attempt("base::pipe write", function() writeLines("x", baseenv()$pipe("cat > /tmp/out", "w")))
  affine(x, w, b)
}
