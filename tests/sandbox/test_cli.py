"""`python -m sandbox grade TASK_DIR FILE`: bad files end with a clear message and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.sandbox.conftest import CODING

AFFINE = CODING / "affine"


def _grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "grade", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_five_megabyte_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text("# padding\n" * 500_000 + (AFFINE / "reference.py").read_text())
    assert big.stat().st_size > 5_000_000
    done = _grade(str(AFFINE), str(big))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "big.py" in done.stderr
    assert "too large" in done.stderr
    assert "MiB" in done.stderr


def test_non_utf8_bytes_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# caf\xe9\n" + (AFFINE / "reference.py").read_bytes())
    done = _grade(str(AFFINE), str(latin))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "latin.py" in done.stderr
    assert "not UTF-8" in done.stderr
    assert "line 1" in done.stderr


def test_a_missing_file_and_a_bad_task_folder_exit_2(tmp_path: Path) -> None:
    missing = _grade(str(AFFINE), str(tmp_path / "nope.py"))
    assert (missing.returncode, "Traceback" in missing.stderr) == (2, False)
    assert "nope.py" in missing.stderr
    bad_task = _grade(str(tmp_path), str(AFFINE / "reference.py"))
    assert (bad_task.returncode, "Traceback" in bad_task.stderr) == (2, False)


def test_the_suffix_picks_the_language(tmp_path: Path) -> None:
    # The R reference as a .R file passes; the same text as .py is Python, and cannot load.
    source = (AFFINE / "r" / "reference.R").read_text()
    (tmp_path / "solution.R").write_text(source)
    (tmp_path / "solution.py").write_text(source)
    as_r = _grade(str(AFFINE), str(tmp_path / "solution.R"))
    assert as_r.returncode == 0, as_r.stderr
    assert as_r.stdout.startswith("affine: passed")
    as_python = _grade(str(AFFINE), str(tmp_path / "solution.py"))
    assert as_python.returncode == 0, as_python.stderr
    assert as_python.stdout.startswith("affine: error")
    assert "solution.py" in as_python.stdout
