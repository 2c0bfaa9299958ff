"""Autodiff truth for the linear SVM's loss and dW, naive and vectorized, away from the kinks."""

import numpy as np

from app.grading.autodiff import Case, linear_classifier_cases, multiclass_svm


def cases(rng: np.random.Generator) -> list[Case]:
    names = ["svm_loss_naive", "svm_loss_vectorized"]
    return linear_classifier_cases(rng, names, multiclass_svm, svm=True)
