# Expect: memory_limit. Touched memory, 8 MiB at a time: the memory cgroup or RLIMIT_AS.

affine_forward <- function(x, w, b) {
  hog <- list()
  repeat hog[[length(hog) + 1L]] <- numeric(2^20) + length(hog)
}
