import numpy as np


def train(loss_fn, params, X, y, learning_rate=1e-2, num_epochs=10, batch_size=32, lr_decay=1.0):
    params = {name: value.copy() for name, value in params.items()}
    n = X.shape[0]
    lr = learning_rate
    loss_history = []
    for epoch in range(num_epochs):
        for start in range(0, n, batch_size):
            X_batch = X[start : start + batch_size]
            y_batch = y[start : start + batch_size]
            loss, grads = loss_fn(params, X_batch, y_batch)
            loss_history.append(loss)
            for name in params:
                params[name] = params[name] - lr * grads[name]
        lr *= lr_decay
    return params, loss_history
