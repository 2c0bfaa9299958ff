"""Autodiff truth for the multiclass SVM loss on scores, labels drawn away from the hinge kinks."""

from functools import partial

import numpy as np

from app.grading.autodiff import Case, labels_away_from_svm_kinks, loss_case, multiclass_svm, normal


def cases(rng: np.random.Generator) -> list[Case]:
    out = []
    for n, c in [(7, 5), (4, 3)]:
        x, y = labels_away_from_svm_kinks(rng, partial(normal, rng, n, c), c)
        out.append(loss_case(f"N{n}C{c}", fn="svm_loss", args=[x, y], diff=0, loss=multiclass_svm))
    return out
