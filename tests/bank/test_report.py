"""`chainrule bank report`: cell counts, and an exact expected overlap that simulation confirms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.bank.loader import load_concepts
from app.bank.report import build_report, expected_overlap, render_report
from app.bank.schemas import ConceptItem
from app.bank.templates import RoleTemplate, load_templates, select_concepts
from app.cli import main
from app.skills import Skill

BANK = Path(__file__).resolve().parents[2] / "question_bank"


@pytest.fixture(scope="module")
def items() -> list[ConceptItem]:
    return [c.item for c in load_concepts(BANK / "concepts")]


@pytest.fixture(scope="module")
def templates() -> dict[str, RoleTemplate]:
    return load_templates(BANK / "templates")


def test_overlap_is_the_sum_of_k_squared_over_n(items: list[ConceptItem]) -> None:
    template = RoleTemplate.model_validate(
        {
            "id": "two-cells",
            "title": "T",
            "description": "D",
            "time_limit_minutes": 30,
            "concepts": {"chain_rule": {1: 2}, "backward_pass": {3: 1}},
        }
    )
    n1 = sum(1 for i in items if i.skills[0] == Skill.CHAIN_RULE and i.difficulty == 1)
    n3 = sum(1 for i in items if i.skills[0] == Skill.BACKWARD_PASS and i.difficulty == 3)
    result = expected_overlap(template, items)
    assert result.concept_items == 3
    assert result.expected_shared == pytest.approx(4 / n1 + 1 / n3)
    assert result.overlap == pytest.approx((4 / n1 + 1 / n3) / 3)


@pytest.mark.parametrize("role", ["ml-engineer", "deep-learning-engineer"])
def test_exact_overlap_matches_a_simulation_of_real_selections(
    items: list[ConceptItem], templates: dict[str, RoleTemplate], role: str
) -> None:
    template = templates[role]
    rng = np.random.default_rng(2026)
    shared = []
    for _ in range(1500):
        first = set(select_concepts(template, items, rng))
        second = set(select_concepts(template, items, rng))
        shared.append(len(first & second) / len(first))
    assert float(np.mean(shared)) == pytest.approx(
        expected_overlap(template, items).overlap, abs=0.01
    )


def test_report_lists_every_skill_template_and_parameterized_item() -> None:
    report = build_report(BANK)
    text = render_report(report)
    for skill in Skill:
        assert f"| {skill.value} |" in text
    for template_id in ("ai-engineer", "data-scientist", "deep-learning-engineer", "ml-engineer"):
        assert f"| {template_id} |" in text
    for quality in report.concepts.numeric:
        assert f"| {quality.item_id} |" in text
    assert sum(report.cells.values()) == len(report.concepts.concepts)


def test_the_cli_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "report"]) == 0
    out = capsys.readouterr().out
    assert "Expected overlap of two forms" in out
    assert "| all |" in out


def test_two_forms_of_every_role_share_at_most_15_percent_of_concept_items(
    items: list[ConceptItem], templates: dict[str, RoleTemplate]
) -> None:
    overlaps = {t.id: expected_overlap(t, items).overlap for t in templates.values()}
    assert set(overlaps) == {
        "ai-engineer",
        "data-scientist",
        "deep-learning-engineer",
        "ml-engineer",
    }
    assert {role: o for role, o in overlaps.items() if o > 0.15} == {}
