# Expect: contained. No socket at all (seccomp), and no network in the namespace anyway.

affine_forward <- function(x, w, b) {
  attempt("socketConnection", function() {
    socketConnection("127.0.0.1", 5432, open = "r+b", timeout = 1)
  })
  attempt("base::socketConnection", function() {
    baseenv()$socketConnection("127.0.0.1", 8000, open = "r+b", timeout = 1)
  })
  attempt("base::serverSocket", function() baseenv()$serverSocket(8123))
  attempt("url", function() readLines(url("http://127.0.0.1:8000/")))
  attempt("base::url", function() readLines(baseenv()$url("http://127.0.0.1:8000/")))
  attempt("make.socket", function() getNamespace("utils")$make.socket("127.0.0.1", 5432))
  attempt("download.file", function() {
    getNamespace("utils")$download.file("http://127.0.0.1:8000/", "/tmp/page", quiet = TRUE)
  })
  affine(x, w, b)
}
