"""The trusted grading stays small enough to read in one sitting, checks as one module per kind."""

from __future__ import annotations

from pathlib import Path

import sandbox

GRADING = Path(sandbox.__file__).resolve().parent / "grading"
MAX_LINES = 400


def test_no_module_of_the_grading_layer_is_over_400_lines() -> None:
    modules = sorted(GRADING.rglob("*.py"))
    assert len(modules) > 10
    too_long = {
        str(p.relative_to(GRADING)): n
        for p in modules
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long


def test_the_checks_are_one_module_per_kind() -> None:
    kinds = {p.stem for p in (GRADING / "checks").glob("*.py")} - {"__init__"}
    assert kinds == {"outputs", "gradients", "properties", "timing"}
