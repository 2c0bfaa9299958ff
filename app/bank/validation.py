"""Validate the concept bank and the role templates; count what the bank holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.bank.instances import well_conditioned
from app.bank.loader import BankError, LoadedConcept, load_concepts
from app.bank.quality import (
    ChoiceBalance,
    ChoiceQuality,
    NumericQuality,
    choice_balance,
    choice_quality,
    numeric_quality,
)
from app.bank.schemas import NumericItem
from app.bank.templates import CodingTask, TemplateError, check_template, load_templates


@dataclass
class ConceptCounts:
    by_skill: Counter[str] = field(default_factory=Counter)
    by_skill_difficulty: Counter[tuple[str, int]] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    parameterized: int = 0
    total: int = 0


@dataclass
class ConceptReport:
    counts: ConceptCounts
    problems: list[str]
    concepts: list[LoadedConcept]
    numeric: list[NumericQuality] = field(default_factory=list)
    choices: list[ChoiceQuality] = field(default_factory=list)

    @property
    def balance(self) -> ChoiceBalance:
        return choice_balance(self.choices, [c.item for c in self.concepts])


def validate_concepts(root: Path) -> ConceptReport:
    """Schema and ids (by loading), every numeric item over many seeds, every choice item's key."""
    try:
        concepts = load_concepts(root)
    except BankError as exc:
        return ConceptReport(ConceptCounts(), list(exc.problems), [])
    problems: list[str] = []
    counts = ConceptCounts()
    report = ConceptReport(counts, problems, concepts)
    for c in concepts:
        item = c.item
        counts.total += 1
        counts.by_skill[item.skills[0].value] += 1
        counts.by_skill_difficulty[(item.skills[0].value, item.difficulty)] += 1
        counts.by_kind[item.kind.value] += 1
        if isinstance(item, NumericItem):
            counts.parameterized += item.is_parameterized
            problems += well_conditioned(item)
            quality = numeric_quality(item)
            if quality is not None:
                report.numeric.append(quality)
                problems += quality.problems
        keys = choice_quality(item)
        if keys is not None:
            report.choices.append(keys)
            problems += keys.problems
        if not item.explanation.strip():
            problems.append(f"{item.id}: the explanation is empty")
    return report


def validate_templates(
    root: Path, concepts: Iterable[LoadedConcept], coding_tasks: Iterable[CodingTask]
) -> list[str]:
    """Every template can be filled from this bank."""
    try:
        templates = load_templates(root)
    except (TemplateError, BankError) as exc:
        return [str(exc)]
    items = [c.item for c in concepts]
    tasks = list(coding_tasks)
    return [p for t in templates.values() for p in check_template(t, items, tasks)]
