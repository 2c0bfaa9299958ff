batchnorm_forward <- function(x, gamma, beta, bn_param) {
  mode <- bn_param$mode
  eps <- if (is.null(bn_param$eps)) 1e-5 else bn_param$eps
  momentum <- if (is.null(bn_param$momentum)) 0.9 else bn_param$momentum
  d <- ncol(x)
  running_mean <- if (is.null(bn_param$running_mean)) numeric(d) else bn_param$running_mean
  running_var <- if (is.null(bn_param$running_var)) numeric(d) else bn_param$running_var
  cache <- NULL
  if (mode == "train") {
    mu <- colMeans(x)
    centred <- sweep(x, 2, mu)
    var <- colMeans(centred^2)
    inv_std <- 1 / sqrt(var + eps)
    x_hat <- sweep(centred, 2, inv_std, "*")
    out <- sweep(sweep(x_hat, 2, gamma, "*"), 2, beta, "+")
    running_mean <- momentum * running_mean + (1 - momentum) * mu
    running_var <- momentum * running_var + (1 - momentum) * var
    cache <- list(x_hat = x_hat, gamma = gamma, inv_std = inv_std)
  } else if (mode == "test") {
    x_hat <- sweep(sweep(x, 2, running_mean), 2, sqrt(running_var + eps), "/")
    out <- sweep(sweep(x_hat, 2, gamma, "*"), 2, beta, "+")
  } else {
    stop(sprintf("invalid mode '%s'", mode))
  }
  # bn_param is an environment: these assignments are seen by the caller.
  bn_param$running_mean <- running_mean
  bn_param$running_var <- running_var
  list(out, cache)
}

batchnorm_backward <- function(dout, cache) {
  x_hat <- cache$x_hat
  n <- nrow(dout)
  dbeta <- colSums(dout)
  dgamma <- colSums(dout * x_hat)
  dx_hat <- sweep(dout, 2, cache$gamma, "*")
  # dx = inv_std / n * (n dx_hat - colSums(dx_hat) - x_hat * colSums(dx_hat * x_hat))
  centred <- sweep(n * dx_hat, 2, colSums(dx_hat)) - sweep(x_hat, 2, colSums(dx_hat * x_hat), "*")
  dx <- sweep(centred, 2, cache$inv_std / n, "*")
  list(dx, dgamma, dbeta)
}
