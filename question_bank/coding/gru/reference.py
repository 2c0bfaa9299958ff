import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gru_step_forward(x, prev_h, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + b
    hh = prev_h @ Wh
    r = sigmoid(a[:, :H] + hh[:, :H])
    z = sigmoid(a[:, H : 2 * H] + hh[:, H : 2 * H])
    n = np.tanh(a[:, 2 * H :] + r * hh[:, 2 * H :])
    next_h = (1 - z) * n + z * prev_h
    return next_h, (x, prev_h, Wx, Wh, hh, r, z, n)


def gru_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, hh, r, z, n = cache
    H = prev_h.shape[1]
    dn = dnext_h * (1 - z)
    dz = dnext_h * (prev_h - n)
    dn_pre = dn * (1 - n**2)
    dr = dn_pre * hh[:, 2 * H :]
    dr_pre = dr * r * (1 - r)
    dz_pre = dz * z * (1 - z)
    da = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
    dhh = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
    dx = da @ Wx.T
    dWx = x.T @ da
    db = da.sum(axis=0)
    # prev_h reaches next_h directly (through z * prev_h) and through every gate.
    dprev_h = dnext_h * z + dhh @ Wh.T
    dWh = prev_h.T @ dhh
    return dx, dprev_h, dWx, dWh, db
