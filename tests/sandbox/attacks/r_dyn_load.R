# Expect: contained. Machine code of the candidate's own (tests/sandbox/attacks/r_dyn_load.c,
# built by the test and pasted here as hex), written to /tmp and loaded with baseenv()$dyn.load,
# past the harness's refusal of dyn.load and .C. As the job's uid, with no capability and under
# seccomp, it tries everything on the R zygote (pid 1): signals, prlimit, ptrace, its memory,
# its /proc files, its uid back, sockets, namespaces, mounts. Each must fail.

TRIES <- c("kill SIGSTOP", "kill SIGKILL", "prlimit NOFILE", "prlimit CPU", "setpriority",
           "sched_setaffinity", "ptrace attach", "ptrace seize", "process_vm_readv",
           "process_vm_writev", "open /proc/1/mem", "write /proc/1/oom_score_adj",
           "setresuid zygote", "setuid zygote", "setresgid zygote", "capset all",
           "socket inet", "socket unix", "unshare user", "mount tmpfs")
REFUSED <- c(1L, 3L, 13L)  # EPERM, ESRCH, EACCES
LIBRARY <- "@LIBRARY_HEX@"

status_of <- function(pid) {
  lines <- readLines(sprintf("/proc/%d/status", pid))
  fields <- sub(":.*", "", lines)
  values <- sub("^[^:]*:\\s*", "", lines)
  names(values) <- fields
  values
}

probe <- function() {
  mine <- status_of(Sys.getpid())
  zygote_uid <- as.integer(strsplit(status_of(1L)[["Uid"]], "\\s+")[[1L]][1L])
  for (key in c("Uid", "Gid", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")) {
    cat("SELF", key, strsplit(mine[[key]], "\\s+")[[1L]][1L], "\n")
  }
  cat("ZYGOTE Uid", zygote_uid, "\n")
  starts <- seq(1L, nchar(LIBRARY), by = 2L)
  path <- "/tmp/attack.so"
  writeBin(as.raw(strtoi(substring(LIBRARY, starts, starts + 1L), 16L)), path)
  baseenv()$dyn.load(path)
  cat("LOADED\n")
  codes <- baseenv()$.C("attack", zygote_uid, codes = integer(length(TRIES)))$codes
  for (i in seq_along(TRIES)) {
    cat(if (codes[[i]] %in% REFUSED) "BLOCKED" else "LEAK", TRIES[[i]], codes[[i]], "\n")
  }
  now <- status_of(Sys.getpid())
  cat("STILL", strsplit(now[["Uid"]], "\\s+")[[1L]], strsplit(now[["Gid"]], "\\s+")[[1L]], "\n")
  1
}
