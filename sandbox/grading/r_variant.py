"""The loader of a task's r/ folder: the R statement, starter, reference and mutants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sandbox.grading.fields import known_keys, name_list, read_text
from sandbox.grading.mutants import StaleMutantError, load_mutants
from sandbox.grading.tasks import LanguageVariant, TaskError, TaskSpec


def load_r_variant(task: TaskSpec, folder: Path) -> LanguageVariant:
    """Read r/ (statement.md, starter.R, reference.R, mutants/*.diff, language.yaml)."""
    if task.fixtures:
        raise TaskError("r/: a task with fixtures.py (Python helpers) has no R variant")
    options: Any = {}
    if (folder / "language.yaml").is_file():
        try:
            options = yaml.safe_load((folder / "language.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TaskError(f"r/language.yaml: {exc}") from exc
    if not isinstance(options, dict):
        raise TaskError("r/language.yaml: expected a mapping")
    known_keys(options, "r/language.yaml", {"one_based"})
    one_based = name_list(options, "one_based", "r/language.yaml")
    for name in one_based:
        if name not in task.inputs or task.inputs[name].dtype != "int64":
            raise TaskError(f"r/language.yaml: one_based {name!r} is not an int64 input")
    reference = read_text(folder / "reference.R")
    try:
        mutants = load_mutants(folder, reference, suffix=".R")
    except StaleMutantError as exc:
        raise StaleMutantError(f"r/: {exc}") from exc
    return LanguageVariant(
        language="r",
        statement=read_text(folder / "statement.md"),
        starter=read_text(folder / "starter.R"),
        reference=reference,
        mutants=mutants,
        one_based=one_based,
    )
