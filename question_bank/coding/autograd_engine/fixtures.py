# Graphs the judge builds with your Value class. Each returns the output's value and the
# gradients of the leaves, as numpy arrays, after one call of backward().
import numpy as np


def _leaves(array):
    return [Value(float(v)) for v in np.ravel(array)]


def _grads(leaves, shape):
    return np.array([v.grad for v in leaves], dtype=np.float64).reshape(shape)


def neuron(x, w, b):
    """tanh(w . x + b): one neuron."""
    xs, ws, bs = _leaves(x), _leaves(w), _leaves(b)
    act = bs[0]
    for wi, xi in zip(ws, xs):
        act = act + wi * xi
    out = act.tanh()
    out.backward()
    return np.array(out.data), _grads(xs, x.shape), _grads(ws, w.shape), _grads(bs, b.shape)


def mlp_loss(X, y, W1, W2):
    """Mean squared error of a 2-layer ReLU net over a batch: every weight is used per example."""
    w1, w2 = _leaves(W1), _leaves(W2)
    n, d = X.shape
    h = W1.shape[1]
    total = 0
    for i in range(n):
        hidden = []
        for j in range(h):
            act = sum((w1[k * h + j] * float(X[i, k]) for k in range(d)), Value(0.0))
            hidden.append(act.relu())
        pred = sum((w2[j] * hidden[j] for j in range(h)), Value(0.0))
        total = total + (pred - float(y[i])) ** 2
    loss = total / n
    loss.backward()
    return np.array(loss.data), _grads(w1, W1.shape), _grads(w2, W2.shape)


def shared_nodes(a):
    """A graph of diamonds: each intermediate feeds several later nodes."""
    leaves = _leaves(a)
    out = Value(0.0)
    for v in leaves:
        sq = v * v
        both = sq + v
        out = out + (both * sq + both**2).tanh() + (-v).exp() / (1 + sq)
    out.backward()
    return np.array(out.data), _grads(leaves, a.shape)
