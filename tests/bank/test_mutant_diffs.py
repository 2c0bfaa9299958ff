"""Mutants are stored as diffs against their reference: they apply, stay small, and fail loudly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.grading.validation import validate_coding
from app.settings import REPO_ROOT
from sandbox import Runner, TaskError, load_task
from sandbox.grading.patches import apply_patch

CODING = REPO_ROOT / "question_bank" / "coding"
TASKS = sorted(p.parent.name for p in CODING.glob("*/task.yaml"))


def _chainrule(*args: str, bank: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | ({"BANK_DIR": str(bank)} if bank else {})
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("task_id", TASKS)
def test_every_mutant_diff_applies_to_its_reference(task_id: str) -> None:
    folder = CODING / task_id
    diffs = sorted((folder / "mutants").glob("*.diff"))
    assert len(diffs) >= 3
    assert not list((folder / "mutants").glob("*.py")), "mutants are stored as diffs only"
    task = load_task(folder)
    assert sorted(task.mutants) == [d.stem for d in diffs]
    for path in diffs:
        source = task.mutants[path.stem]
        assert source == apply_patch(task.reference, path.read_text())
        assert source != task.reference
        assert source.startswith("# "), f"{path.name}: the mutant opens by naming its bug"
        changed = [
            line
            for line in path.read_text().splitlines()
            if line[:1] in "+-" and not line.startswith(("+++ ", "--- "))
        ]
        # A mutant is the reference plus its bug: a reader sees the mistake in a few lines.
        assert len(changed) <= 24, f"{path.name} changes {len(changed)} lines"


def test_a_stale_diff_fails_validate_naming_task_mutant_and_hunk(
    tmp_path: Path, judge: Runner
) -> None:
    task = tmp_path / "relu"
    shutil.copytree(CODING / "relu", task)
    reference = task / "reference.py"
    # A reference edit inside the context of no_mask's only hunk.
    text = reference.read_text()
    assert "def relu_backward(dout, cache):" in text
    reference.write_text(
        text.replace("def relu_backward(dout, cache):", "def relu_backward(g, c):")
    )
    report = validate_coding(tmp_path, judge)
    assert report.tasks == {}
    [problem] = report.problems
    assert problem.startswith("relu: mutant ")
    stale = "does not apply: line 8 of the reference is 'def relu_backward(g, c):'"
    assert f"mutant no_mask (mutants/no_mask.diff): hunk 1 (@@ -1,9 +1,10 @@) {stale}" in problem
    assert "mutant leaky_consistent" in problem


def test_a_stale_diff_in_one_task_does_not_hide_the_others(tmp_path: Path, judge: Runner) -> None:
    for task_id in ("relu", "sigmoid"):
        shutil.copytree(CODING / task_id, tmp_path / task_id)
    (tmp_path / "relu" / "reference.py").write_text("import numpy\n")
    report = validate_coding(tmp_path, judge)
    assert list(report.tasks) == ["sigmoid"]
    assert len(report.problems) == 1
    assert report.problems[0].startswith("relu: mutant ")


def test_a_mutant_copied_as_a_full_file_is_refused(tmp_path: Path) -> None:
    task = tmp_path / "relu"
    shutil.copytree(CODING / "relu", task)
    (task / "mutants" / "old_style.py").write_text("# a full copy\n")
    with pytest.raises(TaskError, match=r"relu: mutants are diffs .* old_style\.py"):
        load_task(task)


def test_bank_mutant_writes_a_diff_that_the_loader_applies(tmp_path: Path) -> None:
    shown = _chainrule("bank", "mutant", "relu", "no_mask")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == load_task(CODING / "relu").mutants["no_mask"]

    bank = tmp_path / "bank"
    shutil.copytree(REPO_ROOT / "question_bank", bank)
    source = tmp_path / "mutant.py"
    reference = (bank / "coding" / "relu" / "reference.py").read_text()
    bug = "# The backward lets negative inputs through at half strength.\n" + reference.replace(
        "dout * (cache > 0)", "dout * np.where(cache > 0, 1.0, 0.5)"
    )
    source.write_text(bug)
    done = _chainrule("bank", "mutant", "relu", "half_leak", str(source), bank=bank)
    assert done.returncode == 0, done.stderr
    written = bank / "coding" / "relu" / "mutants" / "half_leak.diff"
    assert f"wrote {written} (3 changed lines)" in done.stdout
    diff = written.read_text()
    assert "+# The backward lets negative inputs through at half strength." in diff
    assert "-    return dout * (cache > 0)" in diff
    assert load_task(bank / "coding" / "relu").mutants["half_leak"] == bug


def test_bank_mutant_refuses_a_nameless_bug_and_an_unknown_task(tmp_path: Path) -> None:
    source = tmp_path / "mutant.py"
    source.write_text((CODING / "relu" / "reference.py").read_text())
    unnamed = _chainrule("bank", "mutant", "relu", "same", str(source))
    assert unnamed.returncode == 2
    assert "'# ' comment line" in unnamed.stderr
    unknown = _chainrule("bank", "mutant", "no_such_task", "bug_name", str(source))
    assert unknown.returncode == 2
    assert "no task 'no_such_task'" in unknown.stderr
