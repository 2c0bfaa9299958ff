"""Autodiff truth for the linear softmax classifier's loss and dW, naive and vectorized."""

import numpy as np

from app.grading.autodiff import Case, cross_entropy, linear_classifier_cases


def cases(rng: np.random.Generator) -> list[Case]:
    names = ["softmax_loss_naive", "softmax_loss_vectorized"]
    return linear_classifier_cases(rng, names, cross_entropy, svm=False)
