# Expect: contained. Signal, re-nice or re-limit the R zygote (pid 1) with what base R offers:
# it runs as another uid, so every try fails, and the slot goes on grading.

tools_ns <- baseenv()$loadNamespace("tools")

affine_forward <- function(x, w, b) {
  for (sig in c(19L, 15L, 9L)) {  # SIGSTOP, SIGTERM, SIGKILL
    attempt(paste("pskill", sig), function() {
      if (!tools_ns$pskill(1L, sig)) stop("refused")
    })
  }
  attempt("psnice 19", function() {
    tools_ns$psnice(1L, 19L)  # returns the old priority whether or not the change took
    if (!identical(tools_ns$psnice(1L), 19L)) stop("unchanged")
  })
  attempt("mckill", function() {
    mckill <- get("mckill", envir = baseenv()$loadNamespace("parallel"))
    if (!isTRUE(mckill(1L, 9L))) stop("refused")
  })
  for (leaf in c("oom_score_adj", "comm", "timerslack_ns", "coredump_filter")) {
    attempt(paste("write", leaf), function() writeLines("1", file.path("/proc/1", leaf)))
  }
  affine(x, w, b)
}
