# Expect: timeout. parallel's fork, past the harness's refusal of library(parallel): the pids
# cgroup caps the processes, the slot's CPU quota and the deadline end them.

affine_forward <- function(x, w, b) {
  mcfork <- get("mcfork", envir = baseenv()$loadNamespace("parallel"))
  repeat try(mcfork(), silent = TRUE)
}
