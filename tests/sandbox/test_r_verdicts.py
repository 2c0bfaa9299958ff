"""Bad R code gets the verdict its Python equivalent gets, through the real sandbox.

Each case grades an R submission and the Python one that does the same thing on the affine
task, with the same limits, and compares the verdicts (and what the candidate is told).
"""

from __future__ import annotations

import re

import pytest

from sandbox.grading import grader
from sandbox.grading.report import GradeReport, Verdict
from sandbox.grading.tasks import TaskSpec
from sandbox.runners import Limits, Runner

# Small limits keep the runaway cases to a few seconds each (a fresh R child spends a few tenths
# of a second of its CPU starting up, so not less than this).
LIMITS = Limits(cpu_seconds=3, wall_seconds=10, memory_bytes=256 * 2**20, output_bytes=2**16)

R_BACKWARD = """
affine_backward <- function(dout, cache) {
  list(dout, dout, colSums(dout))
}
"""
PY_BACKWARD = """
def affine_backward(dout, cache):
    return dout, dout, dout.sum(0)
"""


def _r(body: str) -> str:
    return f"affine_forward <- function(x, w, b) {{\n{body}\n}}\n{R_BACKWARD}"


def _py(body: str) -> str:
    indented = "\n".join(f"    {line}" for line in body.splitlines())
    head = "import contextlib\nimport numpy as np\n\n"
    return f"{head}def affine_forward(x, w, b):\n{indented}\n{PY_BACKWARD}"


def _grade(task: TaskSpec, runner: Runner, source: str, language: str) -> GradeReport:
    return grader.grade(
        task, source, runner=runner, seed=2, hidden=False, limits=LIMITS, language=language
    )


CASES = {
    "an endless loop": ("repeat {}", "while True:\n    pass", Verdict.TIMEOUT),
    "an allocation without bound": (
        "big <- list()\nrepeat big[[length(big) + 1]] <- rep(1, 1e7)",
        "big = []\nwhile True:\n    big.append(np.ones(10**7))",
        Verdict.MEMORY_LIMIT,
    ),
    "a huge vector": ("numeric(1e11)", "np.ones(10**11)", Verdict.MEMORY_LIMIT),
    "an output flood": (
        'repeat cat(strrep("x", 1000), "\\n")',
        'while True:\n    print("x" * 1000)',
        Verdict.OUTPUT_LIMIT,
    ),
    "a shell command": (
        'system("cat /etc/passwd")\nlist(x, x)',
        'contextlib.os.system("cat /etc/passwd")\nreturn x, x',
        Verdict.REJECTED,
    ),
    "a list instead of an array": (
        "list(list(1, 2), NULL)",
        "return [1, 2], None",
        Verdict.REJECTED,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_r_gets_the_verdict_of_its_python_equivalent(
    tasks: dict[str, TaskSpec], runner: Runner, case: str
) -> None:
    r_body, py_body, verdict = CASES[case]
    task = tasks["affine"]
    in_r = _grade(task, runner, _r(r_body), "r")
    in_python = _grade(task, runner, _py(py_body), "python")
    assert in_python.verdict is verdict, in_python.message
    assert in_r.verdict is verdict, in_r.message
    assert in_r.score == in_python.score


def test_a_shell_command_is_named_in_r_words(tasks: dict[str, TaskSpec], runner: Runner) -> None:
    body = 'try(system("id"), silent = TRUE)\nlist(x, x)'
    report = _grade(tasks["affine"], runner, _r(body), "r")
    assert report.verdict is Verdict.REJECTED
    assert "does not allow (system())" in report.message
    assert "use only base R" in report.message


def test_a_missing_package_is_an_error_with_rs_message(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    report = _grade(tasks["affine"], runner, "library(torch)\n" + _r("list(x, x)"), "r")
    assert report.verdict is Verdict.ERROR
    assert "there is no package called 'torch'" in report.message
    assert "(solution.R, line 1)" in report.message


def test_a_forbidden_package_is_refused(tasks: dict[str, TaskSpec], runner: Runner) -> None:
    report = _grade(tasks["affine"], runner, "library(parallel)\n" + _r("list(x, x)"), "r")
    assert report.verdict is Verdict.REJECTED
    assert "library(parallel) is not allowed here" in report.message


def test_a_syntax_error_is_an_error_with_rs_message_trimmed(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    report = _grade(tasks["affine"], runner, "affine_forward <- function(x, w, b) {\n  x +\n", "r")
    assert report.verdict is Verdict.ERROR
    head = "Your code could not be loaded: SyntaxError: "
    assert re.match(rf"{head}solution\.R:\d+:\d+: unexpected end of input\.$", report.message)
    assert "harness" not in report.message


def test_a_runtime_error_names_the_line_in_solution_r(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    report = _grade(tasks["affine"], runner, _r("\n  stop('shapes do not match')"), "r")
    assert report.verdict is Verdict.ERROR
    assert "affine_forward raised Error: shapes do not match (solution.R, line 3)" in report.message


def test_a_non_conformable_product_gets_a_hint_in_r_terms(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    report = _grade(tasks["affine"], runner, _r("  list(w %*% x, x)"), "r")
    assert report.verdict is Verdict.ERROR
    assert "non-conformable arguments (solution.R, line 2)" in report.message
    assert "Hint: In R, a %*% b needs ncol(a) == nrow(b)" in report.message


def test_a_wrong_count_of_values_says_what_to_return_in_r_terms(
    tasks: dict[str, TaskSpec], runner: Runner
) -> None:
    backward = "affine_backward <- function(dout, cache) list(dout, dout)\n"
    source = "affine_forward <- function(x, w, b) list(x, x)\n" + backward
    report = _grade(tasks["affine"], runner, source, "r")
    said = {c.message for c in report.checks if "returned a list of 2, expected 3" in c.message}
    assert said, report.checks
    for message in said:
        assert "affine_backward should return list(dx, dw, db)" in message
        assert "->" not in message
