"""Load question_bank/concepts/**.yaml into validated items, each with its content version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from app.bank.schemas import ConceptItem

_concept_adapter: TypeAdapter[ConceptItem] = TypeAdapter(ConceptItem)
# libyaml's safe loader parses the same documents about ten times faster than the pure-Python one;
# validation and every server start load the whole bank.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BankError(Exception):
    """The bank on disk is invalid; `problems` lists every finding with its file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the question bank:\n" + "\n".join(problems)
        )
        self.problems = problems


@dataclass(frozen=True)
class LoadedConcept:
    item: ConceptItem
    version: str
    path: Path


def content_version(payload: object) -> str:
    """Hash canonical JSON, so formatting or key order never makes a new version."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def load_concepts(root: Path) -> list[LoadedConcept]:
    """Load every concept item under `root`, or raise BankError listing all problems at once."""
    problems: list[str] = []
    loaded: list[LoadedConcept] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
            item = _concept_adapter.validate_python(raw)
        except (yaml.YAMLError, ValidationError) as exc:
            problems.append(f"{rel}: {exc}")
            continue
        if item.id in seen:
            problems.append(f"{rel}: id {item.id!r} already used by {seen[item.id]}")
            continue
        if path.stem != item.id:
            problems.append(f"{rel}: file name must be the item id ({item.id}.yaml)")
        if rel.parts[0] not in {s.value for s in item.skills}:
            problems.append(f"{rel}: folder {rel.parts[0]!r} is not one of the item's skills")
        seen[item.id] = rel
        loaded.append(LoadedConcept(item, content_version(item.model_dump(mode="json")), path))
    if problems:
        raise BankError(problems)
    return loaded
