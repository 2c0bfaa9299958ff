"""Readers of task-folder files and YAML fields, shared by the task loader and the R variant's."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sandbox.grading.tasks import TaskError


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaskError(f"missing {path.name}") from exc


def required(raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in raw:
        raise TaskError(f"{where}: missing {key!r}")
    value = raw[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TaskError(f"{where}: {key!r} has the wrong type ({type(value).__name__})")
    return value


def known_keys(raw: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise TaskError(f"{where}: unknown keys {sorted(unknown)}")


def name_list(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaskError(f"{where}: {key!r} must be a list of names")
    return tuple(value)
