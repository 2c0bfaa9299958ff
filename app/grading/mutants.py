"""`chainrule bank mutant`: write a mutant as a diff against its task's reference, or show one."""

from __future__ import annotations

import re
from pathlib import Path

from sandbox import TaskError, load_task
from sandbox.grading.patches import apply_patch, make_patch

_BUG_NAME = re.compile(r"^[a-z][a-z0-9_]{2,63}$")


def write_mutant(task_dir: Path, name: str, source: str) -> Path:
    """Store `source` as mutants/<name>.diff against the task's reference; return the path."""
    if not _BUG_NAME.match(name):
        raise TaskError(
            f"mutant name {name!r}: name the bug in snake_case (e.g. missing_transpose)"
        )
    if not source.startswith("# "):
        raise TaskError("a mutant starts with a '# ' comment line saying what its bug is")
    reference = (task_dir / "reference.py").read_text(encoding="utf-8")
    if source == reference:
        raise TaskError("the mutant is the reference itself")
    diff = make_patch(reference, source, old_name="reference.py", new_name=f"mutants/{name}.py")
    # The applier is stricter than difflib is general: prove the diff reproduces the file.
    if apply_patch(reference, diff) != source:
        raise TaskError("the written diff does not reproduce the mutant (please report this)")
    path = task_dir / "mutants" / f"{name}.diff"
    path.parent.mkdir(exist_ok=True)
    path.write_text(diff, encoding="utf-8")
    return path


def mutant_source(task_dir: Path, name: str) -> str:
    """The full source of a stored mutant (its diff applied to the reference)."""
    mutants = load_task(task_dir).mutants
    if name not in mutants:
        raise TaskError(
            f"no mutant {name!r} in {task_dir.name}; known: {', '.join(sorted(mutants))}"
        )
    return mutants[name]
