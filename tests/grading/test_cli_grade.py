"""`chainrule grade TASK_ID FILE`: the task author's tool, through the real sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.settings import REPO_ROOT
from sandbox import load_task

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"


def _grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "grade", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_reference_gets_full_marks_as_json() -> None:
    done = _grade("affine", str(AFFINE / "reference.py"), "--json", "--hidden")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"task_id", "verdict", "score", "max_score", "checks"}
    assert report["task_id"] == "affine"
    assert report["verdict"] == "passed"
    assert report["score"] == report["max_score"] == 10
    assert any(c["hidden"] for c in report["checks"])


def test_mutant_scores_less_and_still_exits_zero(tmp_path: Path) -> None:
    mutant = tmp_path / "missing_transpose.py"
    mutant.write_text(load_task(AFFINE).mutants["missing_transpose"])
    done = _grade("affine", str(mutant))
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("affine: failed")
    score, max_score = (float(x) for x in first.split()[-3::2])
    assert score < max_score
    assert "[ failed]" in done.stdout


def test_unknown_task_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    unknown = _grade("no_such_task", str(AFFINE / "reference.py"))
    assert unknown.returncode == 2
    assert "no task 'no_such_task'" in unknown.stderr
    missing = _grade("affine", str(tmp_path / "nope.py"))
    assert missing.returncode == 2
    assert "nope.py" in missing.stderr


def test_too_large_file_is_a_clear_error(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text((AFFINE / "reference.py").read_text() + "#" * (5 * 2**20) + "\n")
    done = _grade("affine", str(big))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "big.py is too large" in done.stderr


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes("# r\xe9sum\xe9\n".encode("latin-1") + (AFFINE / "reference.py").read_bytes())
    done = _grade("affine", str(latin))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "latin.py is not UTF-8 text" in done.stderr


def test_an_r_file_is_graded_as_r_and_a_task_without_r_is_a_clear_error(tmp_path: Path) -> None:
    done = _grade("affine", str(AFFINE / "r" / "reference.R"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "passed"
    mutant = tmp_path / "db_col_means.R"
    mutant.write_text(load_task(AFFINE).variant("r").mutants["db_col_means"])
    wrong = _grade("affine", str(mutant), "--json")
    assert json.loads(wrong.stdout)["verdict"] == "failed"
    python_only = next(
        p.parent.name
        for p in sorted(AFFINE.parent.glob("*/task.yaml"))
        if not (p.parent / "r").is_dir()
    )
    refused = _grade(python_only, str(mutant))
    assert refused.returncode == 2
    assert f"task {python_only} is not offered in R" in refused.stderr
