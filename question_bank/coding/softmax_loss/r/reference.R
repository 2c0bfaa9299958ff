softmax_loss <- function(x, y) {
  # x - (row maxima) recycles down the columns: row i loses its own maximum.
  shifted <- x - apply(x, 1, max)
  log_p <- shifted - log(rowSums(exp(shifted)))
  n <- nrow(x)
  label <- cbind(seq_len(n), y)
  loss <- -mean(log_p[label])
  dx <- exp(log_p)
  dx[label] <- dx[label] - 1
  list(loss, dx / n)
}
