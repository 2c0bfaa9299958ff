# Batch normalization forward pass; returns list(out, cache).
batchnorm_forward <- function(x, gamma, beta, bn_param) {
  mode <- bn_param$mode
  eps <- if (is.null(bn_param$eps)) 1e-5 else bn_param$eps
  momentum <- if (is.null(bn_param$momentum)) 0.9 else bn_param$momentum
  d <- ncol(x)
  running_mean <- if (is.null(bn_param$running_mean)) numeric(d) else bn_param$running_mean
  running_var <- if (is.null(bn_param$running_var)) numeric(d) else bn_param$running_var

  out <- matrix(0, nrow(x), ncol(x))
  cache <- NULL
  if (mode == "train") {
    # TODO: normalize with the batch statistics, update the running averages.
  } else if (mode == "test") {
    # TODO: normalize with the running statistics.
  } else {
    stop(sprintf("invalid mode '%s'", mode))
  }

  bn_param$running_mean <- running_mean
  bn_param$running_var <- running_var
  list(out, cache)
}

# Batch normalization backward pass; returns list(dx, dgamma, dbeta).
batchnorm_backward <- function(dout, cache) {
  dx <- matrix(0, nrow(dout), ncol(dout))
  dgamma <- numeric(ncol(dout))
  dbeta <- numeric(ncol(dout))
  # TODO
  list(dx, dgamma, dbeta)
}
