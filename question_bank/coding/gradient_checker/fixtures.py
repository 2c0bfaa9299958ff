# Functions the judge checks your checker with. Each takes an array and returns a float; the
# planted analytic gradients are wrong in the ways real backward passes are.
import numpy as np


def _f_quartic(x):
    return float(np.sum(x**4) / 4 + np.sum(x[..., :-1] * x[..., 1:]))


def _f_softplus_rows(x):
    return float(np.sum(np.log1p(np.exp(x)) * np.arange(1, x.shape[-1] + 1)))


def _f_coupled(x):
    return float(np.sum(np.sin(x) * np.cos(x.T @ x).sum()))


def _grad_quartic_missing_neighbour(x):
    # Drops the coupling term's gradient.
    return x**3


def _grad_softplus_sigmoid_of_minus_x(x):
    # A sign error inside the sigmoid.
    return np.arange(1, x.shape[-1] + 1) / (1 + np.exp(x))


def _grad_coupled_half(x):
    # Only the first factor's path of the product rule.
    return np.cos(x) * np.cos(x.T @ x).sum()


def numerical_quartic(x):
    return eval_numerical_gradient(_f_quartic, x, 1e-5)


def numerical_softplus(x):
    return eval_numerical_gradient(_f_softplus_rows, x, 1e-5)


def numerical_coupled(x):
    return eval_numerical_gradient(_f_coupled, x, 1e-5)


def planted_bugs(x):
    """The relative errors your gradient_check reports for three wrong analytic gradients."""
    return np.array(
        [
            gradient_check(_f_quartic, _grad_quartic_missing_neighbour, x.copy(), 1e-5),
            gradient_check(_f_softplus_rows, _grad_softplus_sigmoid_of_minus_x, x.copy(), 1e-5),
            gradient_check(_f_coupled, _grad_coupled_half, x.copy(), 1e-5),
        ],
        dtype=np.float64,
    )
