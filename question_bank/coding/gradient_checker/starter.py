import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    """Centered-difference gradient of the scalar function f at x (any shape)."""
    grad = np.zeros_like(x)
    # TODO: for every entry of x, evaluate f at x + h and x - h in that entry only.
    return grad


def rel_error(a, b):
    """Largest elementwise |a - b| / max(1e-8, |a| + |b|)."""
    # TODO
    return 0.0


def gradient_check(f, grad_f, x, h=1e-5):
    """The largest relative error between grad_f(x) and the numerical gradient of f at x."""
    # TODO
    return 0.0
