"""The hinge tasks keep every margin off the kink, for every seed, as their statements promise."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.settings import REPO_ROOT
from sandbox import TaskError, load_task
from sandbox.grading.cases import Case, build_cases
from sandbox.grading.kinks import hinge_margins, labels_off_hinge
from sandbox.grading.tasks import HingeSpec

CODING = REPO_ROOT / "question_bank" / "coding"
# The statements promise 1e-3: 100x the probe step, so no central difference straddles a kink.
SAFE = 1e-3
SEEDS = range(1000)


def _closest_margin(cases: list[Case], scores: list[str]) -> float:
    closest = np.inf
    for case in cases:
        first, *rest = (case.inputs[n] for n in scores)
        s = first.reshape(first.shape[0], -1)
        for factor in rest:
            s = s @ factor
        closest = min(closest, float(np.abs(hinge_margins(s, case.inputs["y"], 1.0)).min()))
    return closest


@pytest.mark.parametrize(("task_id", "scores"), [("svm_loss", ["x"]), ("linear_svm", ["X", "W"])])
def test_no_drawn_margin_is_within_a_safe_distance_of_the_kink(
    task_id: str, scores: list[str]
) -> None:
    task = load_task(CODING / task_id)
    # Every case kind once (public, hidden, the large timing case), then the hidden cases of
    # many attempts (the public and timing cases do not change with the attempt).
    assert _closest_margin(build_cases(task, seed=0, hidden=True), scores) >= SAFE
    hidden_only = replace(task, public_cases=(), timing_case=None)
    cases = [c for seed in SEEDS for c in build_cases(hidden_only, seed=seed, hidden=True)]
    assert len(cases) == len(SEEDS) * len(task.hidden_cases)
    closest = _closest_margin(cases, scores)
    assert closest >= SAFE, f"{task_id}: a margin {closest:.2e} from the kink"


def test_unconstrained_draws_do_come_near_the_kink() -> None:
    # Without the constraint the same scores put some margin within 1e-3 of the kink, so the
    # test above would notice the constraint going missing.
    task = replace(load_task(CODING / "svm_loss"), public_cases=(), timing_case=None)
    near = 0
    for seed in range(300):
        for case in build_cases(task, seed=seed, hidden=True):
            rng = np.random.default_rng(seed)
            y = rng.integers(0, case.inputs["x"].shape[1], size=case.inputs["x"].shape[0])
            near += float(np.abs(hinge_margins(case.inputs["x"], y, 1.0)).min()) < SAFE
    assert near > 0


def test_only_unsafe_rows_are_relabelled() -> None:
    scores = np.array([[0.0, 3.0, -1.0005], [2.0, 0.0, 5.0]])
    labels = np.array([0, 2])
    spec = HingeSpec(scores=("x",))
    out = labels_off_hinge(labels, scores, spec, np.random.default_rng(0))
    assert out[1] == 2  # margins -1 and -4: safe, kept
    assert out[0] != 0  # -1.0005 - 0 + 1 = -5e-4: too close, relabelled
    assert np.abs(hinge_margins(scores, out, 1.0)).min() >= spec.gap


def test_a_safe_label_exists_even_when_scores_sit_one_apart() -> None:
    # Scores 0, -1, -2, -3: every label but the lowest-scored one has a margin exactly at 0.
    scores = np.array([[0.0, -1.0, -2.0, -3.0]] * 5)
    spec = HingeSpec(scores=("x",))
    out = labels_off_hinge(np.zeros(5, dtype=np.int64), scores, spec, np.random.default_rng(1))
    assert list(out) == [3] * 5


def test_a_constraint_on_a_float_input_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "svm_loss"
    shutil.copytree(CODING / "svm_loss", folder)
    text = (folder / "task.yaml").read_text()
    (folder / "task.yaml").write_text(text.replace("scores: [x]", "scores: [y]"))
    with pytest.raises(TaskError, match="off_hinge scores 'y' is not a float input"):
        load_task(folder)
