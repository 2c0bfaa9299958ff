"""Role templates (question_bank/templates/<role>.yaml) and the concept selection they drive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.bank.loader import BankError
from app.bank.schemas import ConceptItem, ItemId
from app.skills import Skill

# A JSON object's keys are strings, so a Literal[1, 2, 3] key would refuse {"1": 2}; a bounded
# int accepts both the YAML and the JSON spelling.
Difficulty = Annotated[int, Field(ge=1, le=3)]
TaskId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{1,63}$")]


class TemplateError(ValueError):
    """A template cannot be satisfied by the given bank; `problems` names every short cell."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class RoleTemplate(BaseModel):
    """An assessment blueprint: concept counts per skill and difficulty, and coding tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    time_limit_minutes: Annotated[int, Field(ge=5, le=480)]
    concepts: dict[Skill, dict[Difficulty, Annotated[int, Field(ge=0, le=50)]]]
    coding: list[TaskId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty_no_duplicates(self) -> RoleTemplate:
        if self.concept_count == 0 and not self.coding:
            raise ValueError("a template needs at least one concept item or coding task")
        if len(set(self.coding)) != len(self.coding):
            raise ValueError("a coding task is listed twice")
        return self

    @property
    def concept_count(self) -> int:
        return sum(sum(cells.values()) for cells in self.concepts.values())


def load_templates(root: Path) -> dict[str, RoleTemplate]:
    """Load every template under `root` keyed by id, or raise BankError listing all problems."""
    problems: list[str] = []
    templates: dict[str, RoleTemplate] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            template = RoleTemplate.model_validate(raw)
        except (yaml.YAMLError, ValidationError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if path.stem != template.id:
            problems.append(f"{path.name}: file name must be the template id ({template.id}.yaml)")
            continue
        templates[template.id] = template
    if problems:
        raise BankError(problems)
    return templates


def select_concepts(
    template: RoleTemplate, items: Iterable[ConceptItem], rng: np.random.Generator
) -> list[str]:
    """Pick the template's count of item ids per (skill, difficulty), without repeats.

    An item counts for its first skill only, so no item can be picked for two cells. The result
    depends only on the bank's ids and the generator's state: ids are sorted before drawing.
    """
    pools = _pools(items)
    short = _short_cells(template, pools)
    if short:
        raise TemplateError([f"template {template.id}: {problem}" for problem in short])
    chosen: list[str] = []
    for skill in Skill:  # a fixed order, whatever order the YAML listed the skills in
        for difficulty, count in sorted(template.concepts.get(skill, {}).items()):
            if count == 0:
                continue
            pool = pools[(skill, difficulty)]
            picks = rng.choice(len(pool), size=count, replace=False)
            chosen.extend(pool[int(i)] for i in picks)
    return chosen


def check_template(
    template: RoleTemplate, items: Iterable[ConceptItem], coding_task_ids: Iterable[str]
) -> list[str]:
    """List what keeps `template` from being used with this bank (for `chainrule bank validate`)."""
    problems = _short_cells(template, _pools(items))
    known = set(coding_task_ids)
    problems += [
        f"coding task {task!r} is not in the bank" for task in template.coding if task not in known
    ]
    return [f"template {template.id}: {problem}" for problem in problems]


def _pools(items: Iterable[ConceptItem]) -> dict[tuple[Skill, int], list[str]]:
    pools: dict[tuple[Skill, int], list[str]] = defaultdict(list)
    for item in items:
        pools[(item.skills[0], item.difficulty)].append(item.id)
    for ids in pools.values():
        ids.sort()
    return pools


def _short_cells(template: RoleTemplate, pools: dict[tuple[Skill, int], list[str]]) -> list[str]:
    problems = []
    for skill, cells in template.concepts.items():
        for difficulty, count in sorted(cells.items()):
            available = len(pools.get((skill, difficulty), []))
            if count > available:
                problems.append(
                    f"needs {count} {skill.value} item(s) of difficulty {difficulty}, "
                    f"the bank has {available}"
                )
    return problems


@lru_cache(maxsize=4)
def role_templates(root: Path) -> dict[str, RoleTemplate]:
    """The templates under `root`, loaded once per process: they ship with the release."""
    return load_templates(root)
