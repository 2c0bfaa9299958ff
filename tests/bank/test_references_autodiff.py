"""Checks the coding bank's references against autograd, and that mutants and starters are wrong.

Each task's `autodiff.py` re-states its forward in ``autograd.numpy`` (the optimizers: their update
rules in plain numpy); `app.grading.autodiff` builds the cases from it. Each reference's forward and
analytic gradients must agree with that truth to 1e-12 (relative to the norm), on random float64
inputs and a random upstream gradient. Each mutant and each starter must differ from the same truth
by more than 1e-6 somewhere (a forward output, a gradient, or by raising), so that every mutant in
the bank is really wrong on generic inputs, not only at a kink.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.grading.autodiff import (
    MUTATED,
    REFERENCE_TOL,
    Case,
    Discrepancy,
    Outputs,
    cases_with_truth,
    compare,
    load_bank_module,
    load_bank_source,
)
from sandbox import load_task

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"
TASKS = tuple(sorted(p.parent.name for p in CODING.glob("*/task.yaml")))

# A mutant must be off by far more than the judge's ~1e-9 gradient tolerance for the bank to be
# meaningful.
WRONG_TOL = 1e-6

_truth_cache: dict[str, list[tuple[Case, Outputs]]] = {}


def truth(task: str) -> list[tuple[Case, Outputs]]:
    if task not in _truth_cache:
        expected = cases_with_truth(CODING / task)
        assert expected is not None, f"{task} has no autodiff.py"
        _truth_cache[task] = expected
    return _truth_cache[task]


def disagreement(path: Path, task: str) -> Discrepancy:
    return compare(load_bank_module(path), truth(task))


def mutants() -> list[tuple[str, str, str]]:
    """(task, bug name, source) of every mutant, made from its diff against the reference."""
    return [
        (task, name, source)
        for task in TASKS
        for name, source in sorted(load_task(CODING / task).mutants.items())
    ]


MUTANTS = mutants()


def test_the_bank_has_all_its_tasks() -> None:
    assert len(TASKS) == 30


def test_every_task_has_its_files() -> None:
    for task in TASKS:
        folder = CODING / task
        for name in ("reference.py", "starter.py", "statement.md", "autodiff.py"):
            assert (folder / name).is_file(), f"{task}/{name}"
        diffs = list((folder / "mutants").glob("*.diff"))
        assert len(diffs) >= 3, f"{task} has {len(diffs)} mutants"
    for task, name, source in MUTANTS:
        first = source.splitlines()[0]
        assert first.startswith("# "), f"{task}/{name} must say what its bug is"
        assert len(first) > 10, f"{task}/{name} must say what its bug is"


@pytest.mark.parametrize("task", TASKS)
def test_reference_matches_autograd(task: str) -> None:
    found = disagreement(CODING / task / "reference.py", task)
    assert found.worst <= REFERENCE_TOL, f"{task}: {found.where} off by {found.worst:.3g}"


@pytest.mark.parametrize("task", TASKS)
def test_reference_is_repeatable_and_leaves_inputs_alone(task: str) -> None:
    module = load_bank_module(CODING / task / "reference.py")
    for case, _ in truth(task):
        first = case.run(module)
        assert MUTATED not in first, f"{task}/{case.name} modified an input or dout"
        again = case.run(module)
        for key, value in first.items():
            np.testing.assert_array_equal(value, again[key], err_msg=f"{case.name}/{key}")


@pytest.mark.parametrize("task", TASKS)
def test_truth_is_deterministic(task: str) -> None:
    again = cases_with_truth(CODING / task)
    assert again is not None
    for (case, want), (_, got) in zip(truth(task), again, strict=True):
        assert want.keys() == got.keys(), case.name
        for key, value in want.items():
            np.testing.assert_array_equal(value, got[key], err_msg=f"{case.name}/{key}")


@pytest.mark.parametrize("task", TASKS)
def test_starter_is_wrong(task: str) -> None:
    found = disagreement(CODING / task / "starter.py", task)
    assert found.worst > WRONG_TOL, f"{task} starter agrees with autograd ({found.worst:.3g})"


@pytest.mark.parametrize(
    ("task", "name", "source"), MUTANTS, ids=[f"{t}/{n}" for t, n, _ in MUTANTS]
)
def test_mutant_is_wrong_on_generic_inputs(task: str, name: str, source: str) -> None:
    found = compare(load_bank_source(name, source), truth(task))
    assert found.worst > WRONG_TOL, (
        f"{name} agrees with autograd everywhere ({found.worst:.3g} at {found.where})"
    )
