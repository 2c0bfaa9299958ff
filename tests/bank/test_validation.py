"""`chainrule bank validate` finds what is wrong with a bank, and passes the shipped one."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.bank.validation import validate_concepts, validate_templates
from app.grading.validation import VALIDATION_SEEDS, validate_coding
from app.settings import REPO_ROOT
from sandbox import Runner, load_task

BANK = REPO_ROOT / "question_bank"


def test_a_mutant_that_gets_full_marks_is_reported(tmp_path: Path, judge: Runner) -> None:
    task = tmp_path / "relu"
    shutil.copytree(BANK / "coding" / "relu", task)
    # An empty-change diff: the mutant is the reference itself.
    (task / "mutants" / "not_really_wrong.diff").write_text(
        "--- reference.py\n+++ mutants/not_really_wrong.py\n@@ -1,1 +1,1 @@\n import numpy as np\n"
    )
    # The same in the task's R variant.
    (task / "r" / "mutants" / "not_really_wrong.diff").write_text(
        "--- reference.R\n+++ mutants/not_really_wrong.R\n@@ -1,1 +1,1 @@\n"
        " relu_forward <- function(x) {\n"
    )
    report = validate_coding(tmp_path, judge)
    assert list(report.tasks) == ["relu"]
    assert any(
        p.startswith("relu: the mutant not_really_wrong gets full marks") for p in report.problems
    )
    assert any(
        p.startswith("relu (R): the mutant not_really_wrong gets full marks")
        for p in report.problems
    )
    # Per language: the reference at every validation seed, the starter and each mutant at the
    # first only.
    relu = report.tasks["relu"]
    assert relu.languages == ("python", "r")
    assert report.graded == sum(
        len(VALIDATION_SEEDS) + 1 + len(relu.variant(language).mutants)
        for language in relu.languages
    )
    assert not any("reference" in p for p in report.problems)


def test_a_reference_failing_its_own_gradient_check_is_reported(
    tmp_path: Path, judge: Runner
) -> None:
    # (A consistently wrong reference, such as a leaky ReLU with its matching backward, passes
    # self-grading: the autodiff cross-check of the references is what catches that.)
    task = tmp_path / "relu"
    shutil.copytree(BANK / "coding" / "relu", task)
    wrong = load_task(task).mutants["no_mask"]
    (task / "reference.py").write_text(wrong)
    shutil.rmtree(task / "mutants")  # diffs against the old reference; not what is tested here
    report = validate_coding(tmp_path, judge)
    assert list(report.tasks) == ["relu"]
    assert any(p.startswith("relu:") and "reference" in p for p in report.problems), report.problems


def test_concept_problems_are_listed_with_their_file(tmp_path: Path) -> None:
    folder = tmp_path / "chain_rule"
    folder.mkdir()
    (folder / "bad-kind.yaml").write_text("id: bad-kind\nkind: essay\n")
    report = validate_concepts(tmp_path)
    assert report.problems
    assert all("bad-kind.yaml" in p for p in report.problems)


def test_templates_needing_missing_tasks_are_reported() -> None:
    concepts = validate_concepts(BANK / "concepts")
    problems = validate_templates(BANK / "templates", concepts.concepts, coding_tasks=[])
    assert any("is not in the bank" in p for p in problems)  # a fixed task (ai-engineer)
    assert any("0 are left to draw from" in p for p in problems)  # the pools
