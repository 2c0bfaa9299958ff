import numpy as np


def train(loss_fn, params, X, y, learning_rate=1e-2, num_epochs=10, batch_size=32, lr_decay=1.0):
    """Minibatch SGD; returns (final params, the loss of every iteration)."""
    params = {name: value.copy() for name, value in params.items()}
    loss_history = []
    # TODO: for each epoch, step through X in order in minibatches of batch_size, record each
    # minibatch's loss, update every parameter, and decay the learning rate after the epoch.
    return params, loss_history
