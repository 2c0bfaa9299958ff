# Expect: recycled. A maze in /tmp deeper than the zygote empties (64 levels), every directory
# mode 000, with the candidate's answer at the bottom: the zygote reports itself spoiled, the
# pool replaces it, and the next job's /tmp is a new, empty one.

affine_forward <- function(x, w, b) {
  deepest <- file.path("/tmp", paste(rep("maze", 100L), collapse = "/"))
  dir.create(deepest, recursive = TRUE)
  writeLines("answer", file.path(deepest, "left-for-the-next-job"))
  for (depth in 100:1) {
    Sys.chmod(file.path("/tmp", paste(rep("maze", depth), collapse = "/")), "000")
  }
  affine(x, w, b)
}
