"""A task's mutants: mutants/<bug>.diff files applied to its reference when the task loads."""

from __future__ import annotations

from pathlib import Path

from sandbox.grading.patches import PatchError, apply_patch
from sandbox.grading.tasks import TaskError


class StaleMutantError(TaskError):
    """A mutant's diff no longer applies to its task's reference (or a mutant is not a diff)."""


def load_mutants(folder: Path, reference: str, suffix: str = ".py") -> dict[str, str]:
    """Apply every mutants/<bug>.diff to the reference: the mutants' sources, keyed by bug.

    `folder` holds reference<suffix> (a task folder, or its r/ folder with suffix ".R").
    """
    copies = sorted(p.name for p in folder.glob(f"mutants/*{suffix}"))
    if copies:
        # A full copy would silently drift from the reference it was made from.
        raise StaleMutantError(
            f"mutants are diffs against reference{suffix}, not copies: {', '.join(copies)} "
            "(write one with `chainrule bank mutant TASK NAME FILE`)"
        )
    mutants: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("mutants/*.diff")):
        try:
            mutants[path.stem] = apply_patch(reference, path.read_text(encoding="utf-8"))
        except PatchError as exc:
            problems.append(f"mutant {path.stem} (mutants/{path.name}): {exc}")
    if problems:
        raise StaleMutantError("; ".join(problems))
    return mutants
