import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_step_forward(x, prev_h, Wx, Wh, b):
    """One GRU step; gates ordered [r | z | n] along the 3H axis; returns (next_h, cache)."""
    next_h, cache = None, None
    # TODO
    return next_h, cache


def gru_step_backward(dnext_h, cache):
    """Backward pass of one GRU step; returns (dx, dprev_h, dWx, dWh, db)."""
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # TODO
    return dx, dprev_h, dWx, dWh, db
