"""Role templates (question_bank/templates/<role>.yaml) and the forms they draw from the bank.

A form is the template's concept items (a count per skill and difficulty) and its coding tasks:
fixed task ids and pools (`{skill, difficulty, count}`) drawn from the bank's tasks. One seed
decides the whole form, so an assessment's questions follow from its seed alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Protocol

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


class CodingTask(Protocol):
    """What a pool needs to know of a coding task (a sandbox TaskSpec or a stored version)."""

    @property
    def id(self) -> str: ...
    @property
    def skills(self) -> Sequence[str]: ...
    @property
    def difficulty(self) -> int: ...


@dataclass(frozen=True)
class TaskSummary:
    """A coding task as pools see it, e.g. built from a stored question version."""

    id: str
    skills: tuple[str, ...]
    difficulty: int


class CodingPool(BaseModel):
    """Draw `count` coding tasks that carry `skill` at one of `difficulty` (or from `tasks`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skill: Skill | None = None
    difficulty: list[Difficulty] = Field(default_factory=lambda: [1, 2, 3], min_length=1)
    tasks: list[TaskId] | None = None
    count: Annotated[int, Field(ge=1, le=5)] = 1

    @model_validator(mode="before")
    @classmethod
    def _one_difficulty_is_a_list(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("difficulty"), int):
            return {**data, "difficulty": [data["difficulty"]]}
        return data

    @model_validator(mode="after")
    def _says_what_to_draw_from(self) -> CodingPool:
        if self.skill is None and not self.tasks:
            raise ValueError("a coding pool needs a skill or a list of tasks")
        return self

    def admits(self, task: CodingTask) -> bool:
        in_list = self.tasks is None or task.id in self.tasks
        has_skill = self.skill is None or self.skill.value in task.skills
        return in_list and has_skill and task.difficulty in self.difficulty

    def describe(self) -> str:
        parts = [f"skill {self.skill.value}"] if self.skill else []
        parts += [f"difficulty {'/'.join(map(str, self.difficulty))}"]
        if self.tasks:
            parts.append(f"from {', '.join(self.tasks)}")
        return ", ".join(parts)


class RoleTemplate(BaseModel):
    """An assessment blueprint: concept counts per skill and difficulty, and coding tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1)]
    time_limit_minutes: Annotated[int, Field(ge=5, le=480)]
    concepts: dict[Skill, dict[Difficulty, Annotated[int, Field(ge=0, le=50)]]]
    # Fixed task ids and pools to draw from, in the order the form lists them.
    coding: list[TaskId | CodingPool] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty_no_duplicates(self) -> RoleTemplate:
        if self.concept_count == 0 and not self.coding:
            raise ValueError("a template needs at least one concept item or coding task")
        if len(set(self.fixed_coding)) != len(self.fixed_coding):
            raise ValueError("a coding task is listed twice")
        return self

    @property
    def fixed_coding(self) -> list[str]:
        return [entry for entry in self.coding if isinstance(entry, str)]

    @property
    def coding_count(self) -> int:
        return sum(1 if isinstance(e, str) else e.count for e in self.coding)

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


def select_coding(
    template: RoleTemplate, tasks: Iterable[CodingTask], rng: np.random.Generator
) -> list[str]:
    """The template's fixed coding tasks and a draw from each of its pools, without repeats.

    A pool never draws a task the template lists as fixed or an earlier pool drew. The result
    depends only on the tasks' ids, skills and difficulties and the generator's state.
    """
    bank = sorted(tasks, key=lambda t: t.id)
    taken = set(template.fixed_coding)
    chosen: list[str] = []
    for entry in template.coding:
        if isinstance(entry, str):
            chosen.append(entry)
            continue
        pool = [t.id for t in bank if entry.admits(t) and t.id not in taken]
        if len(pool) < entry.count:
            raise TemplateError(
                [
                    f"template {template.id}: the coding pool ({entry.describe()}) needs "
                    f"{entry.count} task(s), {len(pool)} are left to draw from"
                ]
            )
        picks = [pool[int(i)] for i in rng.choice(len(pool), size=entry.count, replace=False)]
        taken.update(picks)
        chosen.extend(picks)
    return chosen


def select_form(
    template: RoleTemplate,
    items: Iterable[ConceptItem],
    tasks: Iterable[CodingTask],
    seed: int,
) -> list[str]:
    """Every question id of one form of `template`: its concept items, then its coding tasks."""
    rng = np.random.default_rng(seed)
    concepts = select_concepts(template, items, rng)
    return concepts + select_coding(template, tasks, rng)


# Pools that can be filled for these seeds can be filled for any: draws never repeat, so a
# pool short of tasks for one draw order is short for most.
_CHECK_SEEDS = range(20)


def check_template(
    template: RoleTemplate, items: Iterable[ConceptItem], coding_tasks: Iterable[CodingTask]
) -> list[str]:
    """List what keeps `template` from being used with this bank (for `chainrule bank validate`)."""
    problems = _short_cells(template, _pools(items))
    tasks = list(coding_tasks)
    known = {t.id for t in tasks}
    problems += [
        f"coding task {task!r} is not in the bank"
        for task in template.fixed_coding
        if task not in known
    ]
    if not problems:
        for seed in _CHECK_SEEDS:
            try:
                select_coding(template, tasks, np.random.default_rng(seed))
            except TemplateError as exc:
                return exc.problems
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
