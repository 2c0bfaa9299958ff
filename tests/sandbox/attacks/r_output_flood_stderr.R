# Expect: output_limit. Messages (stderr) without end.

affine_forward <- function(x, w, b) {
  line <- strrep("y", 65536)
  repeat message(line)
}
