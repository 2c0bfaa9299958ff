"""Task fixtures: trusted helpers loaded after the code under test, which units call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.grading.autodiff import load_bank_module, with_fixtures
from app.settings import REPO_ROOT
from sandbox import PooledRunner, Runner, Verdict, grade, load_task
from sandbox.grading.cases import build_cases

ENGINE = REPO_ROOT / "question_bank" / "coding" / "autograd_engine"


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    pooled = PooledRunner(slots=1)
    yield pooled
    pooled.close()


def test_a_run_loads_the_fixtures_after_the_source() -> None:
    task = load_task(ENGINE)
    program = task.program("class Value:\n    pass\n")
    assert program.startswith("class Value:\n    pass\n")
    assert program.index("def neuron(") > program.index("class Value:")
    assert program.endswith(task.fixtures)
    assert (
        load_task(REPO_ROOT / "question_bank" / "coding" / "relu").program("x = 1\n") == "x = 1\n"
    )


def test_a_submission_cannot_replace_a_fixture(runner: Runner) -> None:
    task = load_task(ENGINE)
    # The reference's Value, plus a `neuron` that would hand back zeros: the fixture's own
    # `neuron` is defined after it and is the one the judge calls.
    forged = task.reference + (
        "\n\nimport numpy as np\n\n\ndef neuron(x, w, b):\n"
        "    return np.zeros(()), np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)\n"
    )
    report = grade(task, forged, runner=runner, seed=5, hidden=False)
    assert report.verdict is Verdict.PASSED
    assert report.score == report.max_score


def test_a_submission_without_the_class_the_fixtures_need_is_an_error(runner: Runner) -> None:
    task = load_task(ENGINE)
    report = grade(task, "import math\n", runner=runner, seed=5, hidden=False)
    assert report.verdict is Verdict.ERROR
    assert report.score == 0
    assert any("Value" in c.message for c in report.checks)


def test_the_training_loop_overfits_its_batches(runner: Runner) -> None:
    # The statement promises a batch the loop can overfit: the reference's curve must show it
    # (public and one attempt's hidden cases; a rare hidden draw falls only to about 0.4).
    folder = REPO_ROOT / "question_bank" / "coding" / "training_loop"
    task = load_task(folder)
    module = with_fixtures(load_bank_module(folder / "reference.py"), folder / "fixtures.py")
    report = grade(task, task.reference, runner=runner, seed=0, hidden=True)
    assert report.verdict is Verdict.PASSED
    for case in build_cases(task, seed=0, hidden=True):
        if case.timing:
            continue
        p = case.params
        history, _, _ = module.overfit_small_batch(
            case.inputs["X"], case.inputs["y"], case.inputs["W"], case.inputs["b"],
            p["learning_rate"], case.dims["E"], case.dims["B"], p["lr_decay"],
        )  # fmt: skip
        assert history[-1] < 0.1 * history[0], (case.name, history[0], history[-1])
