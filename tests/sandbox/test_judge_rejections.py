"""Verdict `rejected` for what DESIGN.md 6.6 lists: forbidden imports (also at run time) and
outputs that are not arrays; ordinary mistakes (value count, shapes) stay `error`/`failed`."""

from __future__ import annotations

import pytest

from sandbox.grading import grader
from sandbox.grading.report import CheckStatus, GradeReport, Verdict
from sandbox.grading.tasks import TaskSpec
from sandbox.runners import Runner

AFFINE_OK = """
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)
"""


def _grade(task: TaskSpec, source: str, runner: Runner) -> GradeReport:
    return grader.grade(task, source, runner=runner, seed=5, hidden=True)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                "    x, w, b = cache\n",
                "    x, w, b = cache\n"
                "    np.lib._utils_impl.sys.modules['importlib'].import_module('ctypes')\n",
            ),
            "ctypes' is not allowed",  # refused at ctypes' own import of _ctypes
        ),
        (
            ("    return x.reshape", "    __import__('socket')\n    return x.reshape"),
            "import of 'socket' is not allowed",
        ),
        (("dout.sum(0)", "list(dout.sum(0))"), "expected a numpy array, got list"),
        (("dout.sum(0)", "dout.sum(0).astype(object)"), "real-valued numeric array"),
        (("return x.reshape(x.shape[0], -1) @ w + b,", "return 'out',"), "got str"),
    ],
)
def test_run_time_forbidden_imports_and_non_array_outputs_are_rejected(
    tasks: dict[str, TaskSpec], runner: Runner, edit: tuple[str, str], expected: str
) -> None:
    source = AFFINE_OK.replace(*edit)
    assert source != AFFINE_OK
    report = _grade(tasks["affine"], source, runner)
    assert report.verdict is Verdict.REJECTED, report.message
    assert report.message.startswith("Your code was refused: ")
    assert expected in report.message
    assert any(c.status is CheckStatus.ERROR and expected in c.message for c in report.checks)


def test_a_rejected_run_keeps_the_credit_of_the_checks_that_passed(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    report = _grade(tasks["affine"], AFFINE_OK.replace("dout.sum(0)", "list(dout.sum(0))"), runner)
    assert report.verdict is Verdict.REJECTED
    assert 0 < report.score < tasks["affine"].points
    db = [c for c in report.checks if c.name == "gradient db"]
    assert db
    assert all(c.points == 0 for c in db)


@pytest.mark.parametrize(
    ("edit", "verdict"),
    [
        (("    return (dout @", "    return dout, dout\n    return (dout @"), Verdict.ERROR),
        (("dout.sum(0)", "dout.sum(0)[None]"), Verdict.FAILED),
        (("return x.reshape(x.shape[0], -1) @ w + b,", "return x,"), Verdict.FAILED),
    ],
)
def test_wrong_value_counts_and_shapes_are_not_rejections(
    tasks: dict[str, TaskSpec], runner: Runner, edit: tuple[str, str], verdict: Verdict
) -> None:
    report = _grade(tasks["affine"], AFFINE_OK.replace(*edit), runner)
    assert report.verdict is verdict, report.message


def test_a_forbidden_import_the_candidate_catches_changes_nothing(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    source = AFFINE_OK.replace(
        "    x, w, b = cache\n",
        "    x, w, b = cache\n    try:\n        __import__('ctypes')\n    except ImportError:\n"
        "        pass\n",
    )
    assert _grade(tasks["affine"], source, runner).verdict is Verdict.PASSED


def test_a_rejection_on_a_hidden_case_never_shows_the_candidates_message(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    # The 13th forward call is the first hidden case's (3 public cases come first, each with 4
    # forwards: one plus a fresh one per property call): the module name carries a hidden
    # input value, which must not reach the candidate.
    source = AFFINE_OK.replace(
        "def affine_forward(x, w, b):\n",
        "CALLS = []\n\ndef affine_forward(x, w, b):\n"
        "    CALLS.append(1)\n"
        "    if len(CALLS) == 13:\n"
        "        __import__('leak_%r' % float(x.ravel()[0]))\n",
    )
    report = _grade(tasks["affine"], source, runner)
    assert report.verdict is Verdict.REJECTED
    assert "hidden case" in report.message
    assert "leak_" not in report.message
    assert "leak_" not in str(report.to_dict("candidate"))
