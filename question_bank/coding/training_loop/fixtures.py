# The model the judge trains with your train(): a linear softmax classifier.
import numpy as np


def softmax_classifier_loss(params, X, y):
    """Mean softmax cross-entropy of X @ W + b; returns (loss, {"W": dW, "b": db})."""
    W, b = params["W"], params["b"]
    scores = X @ W + b
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = X.shape[0]
    loss = -log_p[np.arange(n), y].mean()
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    return loss, {"W": X.T @ dscores, "b": dscores.sum(axis=0)}


def overfit_small_batch(X, y, W, b, learning_rate, num_epochs, batch_size, lr_decay):
    params, history = train(
        softmax_classifier_loss,
        {"W": W, "b": b},
        X,
        y,
        learning_rate=learning_rate,
        num_epochs=num_epochs,
        batch_size=batch_size,
        lr_decay=lr_decay,
    )
    return np.asarray(history, dtype=np.float64), params["W"], params["b"]
