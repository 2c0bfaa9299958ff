# Expect: contained. system() and system2() find no shell to run, even past the harness's
# friendly refusal (baseenv()$system, .Internal).

affine_forward <- function(x, w, b) {
  attempt("system", function() system("id", intern = TRUE))
  attempt("system2", function() system2("id", stdout = TRUE))
  attempt("base::system", function() baseenv()$system("cat /proc/1/environ", intern = TRUE))
  attempt("base::system2", function() baseenv()$system2("/usr/bin/id", stdout = TRUE))
  attempt(".Internal(system)", function() .Internal(system("id", TRUE, 0)))
  affine(x, w, b)
}
