"""The autodiff cross-check catches a consistently wrong reference that self-grading passes."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.grading.autodiff import REFERENCE_TOL, cross_check
from app.grading.validation import validate_coding
from app.settings import REPO_ROOT
from sandbox import Runner, load_task
from sandbox.grading.patches import make_patch

CODING = REPO_ROOT / "question_bank" / "coding"


def _leaky_relu_bank(tmp_path: Path, *, keep_r: bool = False) -> Path:
    """A copy of relu whose Python reference is a leaky ReLU with its matching backward."""
    task = tmp_path / "relu"
    shutil.copytree(CODING / "relu", task)
    if not keep_r:  # the R reference, still a true ReLU, would object on its own (below)
        shutil.rmtree(task / "r")
    mutants = load_task(task).mutants
    leaky = mutants["leaky_consistent"]
    (task / "reference.py").write_text(leaky)
    # The leaky mutant now equals the reference: drop it so only the cross-check can object, and
    # re-base the others on the new reference (their diffs were against the old one).
    (task / "mutants" / "leaky_consistent.diff").unlink()
    for name, source in mutants.items():
        if name != "leaky_consistent":
            diff = make_patch(leaky, source, old_name="reference.py", new_name=f"{name}.py")
            (task / "mutants" / f"{name}.diff").write_text(diff)
    return task


def test_every_shipped_reference_agrees_with_autodiff() -> None:
    for task in sorted(p.parent for p in CODING.glob("*/task.yaml")):
        worst = cross_check(task)
        assert worst is not None, f"{task.name} has no autodiff.py"
        assert worst <= REFERENCE_TOL, task.name


def test_a_consistently_wrong_reference_is_caught_by_the_cross_check(tmp_path: Path) -> None:
    worst = cross_check(_leaky_relu_bank(tmp_path))
    assert worst is not None
    # The negative half of the input is scaled by 0.01 instead of 0: a relative error of
    # order 1e-3, far above rounding.
    assert worst > 1e-4


def test_validate_lists_a_consistently_wrong_reference_that_self_grading_passes(
    tmp_path: Path, judge: Runner
) -> None:
    _leaky_relu_bank(tmp_path)
    report = validate_coding(tmp_path, judge)
    assert report.autodiff["relu"] > 1e-4
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("relu: the reference disagrees with autodiff by ")


def test_an_r_version_objects_to_a_wrong_python_reference_too(
    tmp_path: Path, judge: Runner
) -> None:
    # R answers are checked against the Python reference's values, so a true R ReLU fails them
    # and the R copy of the leaky mutant passes: a second witness next to autodiff.
    _leaky_relu_bank(tmp_path, keep_r=True)
    problems = validate_coding(tmp_path, judge).problems
    assert problems[0].startswith("relu: the reference disagrees with autodiff by ")
    assert any(p.startswith("relu (R): the reference scores 0/5 at seed 0") for p in problems)
    assert "relu (R): the mutant leaky_consistent gets full marks at seed 0" in problems


def test_a_task_without_autodiff_is_listed_not_failed(tmp_path: Path, judge: Runner) -> None:
    task = tmp_path / "relu"
    shutil.copytree(CODING / "relu", task)
    (task / "autodiff.py").unlink()
    assert cross_check(task) is None
    report = validate_coding(tmp_path, judge)
    assert report.without_autodiff == ["relu"]
    assert report.autodiff == {}
    assert report.problems == []
