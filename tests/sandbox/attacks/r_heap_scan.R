# Expect: contained. Search this process's whole writable memory (inherited from the zygote)
# for the previous candidate's code: the zygote never read a job, so no job's bytes are in it.

LIBRARY <- "@LIBRARY_HEX@"  # tests/sandbox/attacks/r_dyn_load.c, built by the test

affine_forward <- function(x, w, b) {
  # /proc/self/mem belongs to root in a job (non-dumpable): the library reads memory directly.
  starts <- seq(1L, nchar(LIBRARY), by = 2L)
  path <- "/tmp/scan.so"
  writeBin(as.raw(strtoi(substring(LIBRARY, starts, starts + 1L), 16L)), path)
  baseenv()$dyn.load(path)
  got <- baseenv()$.C("scan_memory", found = integer(1L), scanned = numeric(1L))
  if (got$scanned < 2^20) cat("the scan read nothing\n") else if (got$found > 0L) {
    cat("LEAK the marker is in memory", got$found, "times\n")
  } else {
    cat("BLOCKED scanned", round(got$scanned / 2^20), "MiB: no other candidate's code\n")
  }
  # The control: once this process holds the marker, the same scan finds it.
  whole <- paste0("ALICE_SECRET_", "MARKER_42")
  control <- baseenv()$.C("scan_memory", found = integer(1L), scanned = numeric(1L))
  if (control$found == 0L) cat("LEAK the scan is blind: it missed", whole, "\n")
  affine(x, w, b)
}
