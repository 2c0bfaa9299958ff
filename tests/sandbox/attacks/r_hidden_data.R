# Expect: contained. The checkout, the task folders (reference, hidden cases), the database,
# the host's /etc and homes are not in the sandbox's view; the harness's own files and the R
# zygote's library are read-only; the grader is not there at all.

affine_forward <- function(x, w, b) {
  for (path in c("/work/main/question_bank/coding/affine/task.yaml",
                 "/work/main/question_bank/coding/affine/reference.py",
                 "/work/main/question_bank/coding/affine/r/reference.R",
                 "/work/main/var/chainrule.db", "/etc/passwd", "/etc/shadow",
                 "/root/.bash_history", "/run/chainrule-judge/uid-61000.lock")) {
    attempt(path, function() readBin(path, "raw", 4096))
  }
  for (dir in c("/work", "/home", "/var", "/srv")) {
    attempt(dir, function() if (dir.exists(dir)) list.files(dir, all.files = TRUE) else stop("absent"))
  }
  child <- "/opt/judge/sandbox/child/r"
  for (own in file.path(child, c("harness.R", "zygote.R", "zygote.so"))) {
    attempt(paste("write", own), function() {
      con <- file(own, "ab")
      on.exit(close(con))
      writeBin(as.raw(0L), con)
    })
  }
  attempt("replace harness.R", function() {
    if (!file.rename(file.path(child, "harness.R"), "/tmp/h.R")) stop("refused")
  })
  attempt("the grader", function() {
    if (!dir.exists("/opt/judge/sandbox/grading")) stop("absent")
  })
  affine(x, w, b)
}
