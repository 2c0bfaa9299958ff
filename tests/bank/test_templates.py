"""Role templates load, fit the shipped bank, and select exactly what they state."""

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from app.bank.loader import BankError, load_concepts
from app.bank.schemas import ConceptItem
from app.bank.templates import (
    RoleTemplate,
    TemplateError,
    check_template,
    load_templates,
    select_coding,
    select_concepts,
    select_form,
)
from app.skills import Skill
from sandbox import TaskSpec, load_tasks

BANK = Path(__file__).resolve().parents[2] / "question_bank"
ROLES = {"data-scientist", "ml-engineer", "deep-learning-engineer", "ai-engineer"}


@pytest.fixture(scope="module")
def templates() -> dict[str, RoleTemplate]:
    return load_templates(BANK / "templates")


@pytest.fixture(scope="module")
def tasks() -> list[TaskSpec]:
    return list(load_tasks(BANK / "coding").values())


@pytest.fixture(scope="module")
def items() -> list[ConceptItem]:
    return [c.item for c in load_concepts(BANK / "concepts")]


def make_template(**overrides: Any) -> RoleTemplate:
    fields: dict[str, Any] = {
        "id": "tiny",
        "title": "Tiny",
        "description": "A test template.",
        "time_limit_minutes": 30,
        "concepts": {"chain_rule": {1: 2}},
        "coding": ["affine"],
    }
    fields.update(overrides)
    return RoleTemplate.model_validate(fields)


def test_the_four_role_templates_load(templates: dict[str, RoleTemplate]) -> None:
    assert set(templates) == ROLES
    for template in templates.values():
        assert template.concept_count >= 10
        assert template.coding


def test_templates_fit_the_coding_bank(
    templates: dict[str, RoleTemplate], items: list[ConceptItem], tasks: list[TaskSpec]
) -> None:
    for template in templates.values():
        assert check_template(template, items, tasks) == [], template.id


@pytest.mark.parametrize("role", sorted(ROLES))
def test_selection_has_exactly_the_stated_counts(
    templates: dict[str, RoleTemplate], items: list[ConceptItem], role: str
) -> None:
    template = templates[role]
    by_id = {item.id: item for item in items}
    for seed in range(25):
        chosen = select_concepts(template, items, np.random.default_rng(seed))
        assert len(chosen) == len(set(chosen)) == template.concept_count
        assert set(chosen) <= set(by_id)
        cells = Counter((by_id[i].skills[0], by_id[i].difficulty) for i in chosen)
        stated = {
            (skill, difficulty): count
            for skill, row in template.concepts.items()
            for difficulty, count in row.items()
            if count
        }
        assert dict(cells) == stated


def test_selection_is_deterministic_per_generator_and_varies_between_seeds(
    templates: dict[str, RoleTemplate], items: list[ConceptItem]
) -> None:
    template = templates["ml-engineer"]
    first = select_concepts(template, items, np.random.default_rng(7))
    again = select_concepts(template, list(reversed(items)), np.random.default_rng(7))
    assert first == again
    others = {tuple(select_concepts(template, items, np.random.default_rng(s))) for s in range(10)}
    assert len(others) > 1


def test_multi_skill_items_count_for_their_first_skill(items: list[ConceptItem]) -> None:
    template = make_template(concepts={"backward_pass": {2: 9}})
    chosen = select_concepts(template, items, np.random.default_rng(0))
    by_id = {item.id: item for item in items}
    assert all(by_id[i].skills[0] == Skill.BACKWARD_PASS for i in chosen)
    # softmax-probability is (forward_pass, loss_functions): never picked for loss_functions.
    loss_only = make_template(concepts={"loss_functions": {2: 9}})
    assert "softmax-probability" not in select_concepts(loss_only, items, np.random.default_rng(0))


def test_too_few_items_in_a_cell_is_a_clear_error(items: list[ConceptItem]) -> None:
    template = make_template(concepts={"chain_rule": {3: 50}, "forward_pass": {1: 40}})
    with pytest.raises(TemplateError) as caught:
        select_concepts(template, items, np.random.default_rng(0))
    message = str(caught.value)
    have = sum(1 for i in items if i.skills[0] == Skill.CHAIN_RULE and i.difficulty == 3)
    assert f"needs 50 chain_rule item(s) of difficulty 3, the bank has {have}" in message
    assert "needs 40 forward_pass item(s) of difficulty 1" in message


def test_check_template_reports_missing_coding_tasks(
    items: list[ConceptItem], tasks: list[TaskSpec]
) -> None:
    template = make_template(coding=["affine", "teleport"])
    assert check_template(template, items, tasks) == [
        "template tiny: coding task 'teleport' is not in the bank"
    ]


def test_check_template_reports_a_pool_that_cannot_be_filled(
    items: list[ConceptItem], tasks: list[TaskSpec]
) -> None:
    # gradient_descent at difficulty 2: linear_softmax, linear_svm, optimizers, ... but one
    # of them is fixed, so a pool of every one of them is one short.
    every = sum(1 for t in tasks if "gradient_descent" in t.skills and t.difficulty == 2)
    template = make_template(
        coding=["optimizers", {"skill": "gradient_descent", "difficulty": 2, "count": every}]
    )
    assert check_template(template, items, tasks) == [
        f"template tiny: the coding pool (skill gradient_descent, difficulty 2) needs {every} "
        f"task(s), {every - 1} are left to draw from"
    ]


def test_pools_draw_only_what_they_admit_without_repeats(tasks: list[TaskSpec]) -> None:
    by_id = {t.id: t for t in tasks}
    template = make_template(
        coding=[
            "conv",
            {"skill": "backward_pass", "difficulty": 3, "count": 3},
            {"skill": "loss_functions", "difficulty": [1, 2], "count": 2},
            {"tasks": ["relu", "tanh", "sigmoid"], "difficulty": 1},
        ]
    )
    for seed in range(200):
        chosen = select_coding(template, tasks, np.random.default_rng(seed))
        assert len(chosen) == len(set(chosen)) == template.coding_count == 7
        assert chosen[0] == "conv"
        assert all(
            "backward_pass" in by_id[t].skills and by_id[t].difficulty == 3 for t in chosen[1:4]
        )
        assert all("loss_functions" in by_id[t].skills for t in chosen[4:6])
        assert all(by_id[t].difficulty in (1, 2) for t in chosen[4:6])
        assert chosen[6] in {"relu", "tanh", "sigmoid"}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_two_forms_of_a_role_rarely_share_their_coding_tasks(
    templates: dict[str, RoleTemplate], tasks: list[TaskSpec], role: str
) -> None:
    template = templates[role]
    assert any(not isinstance(entry, str) for entry in template.coding), "draws from pools"
    forms = [
        frozenset(select_coding(template, tasks, np.random.default_rng(seed)))
        for seed in range(600)
    ]
    same = sum(a == b for a, b in zip(forms[::2], forms[1::2], strict=True)) / 300
    assert same <= 0.10, f"{role}: two forms share every coding task {same:.0%} of the time"
    assert len(set(forms)) >= 10


def test_a_form_is_decided_by_its_seed_alone(
    templates: dict[str, RoleTemplate], items: list[ConceptItem], tasks: list[TaskSpec]
) -> None:
    template = templates["ml-engineer"]
    form = select_form(template, items, tasks, seed=42)
    assert select_form(template, list(reversed(items)), list(reversed(tasks)), seed=42) == form
    assert len(form) == template.concept_count + template.coding_count
    assert select_form(template, items, tasks, seed=43) != form


@pytest.mark.parametrize(
    "overrides",
    [
        {"concepts": {"chain_rule": {4: 1}}},
        {"concepts": {"calculus": {1: 1}}},
        {"concepts": {}, "coding": []},
        {"coding": ["affine", "affine"]},
        {"coding": [{"difficulty": 2}]},
        {"coding": [{"skill": "backward_pass", "difficulty": 4}]},
        {"coding": [{"skill": "backward_pass", "count": 0}]},
        {"coding": [{"skill": "backward_pass", "size": 2}]},
        {"time_limit_minutes": 0},
        {"surprise": True},
    ],
)
def test_invalid_templates_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        make_template(**overrides)


def test_json_spelling_of_difficulty_keys_is_accepted() -> None:
    template = RoleTemplate.model_validate_json(
        '{"id": "json-role", "title": "T", "description": "D", "time_limit_minutes": 30,'
        ' "concepts": {"chain_rule": {"1": 2}}, "coding": []}'
    )
    assert template.concepts == {Skill.CHAIN_RULE: {1: 2}}


def test_load_templates_reports_a_misnamed_file(tmp_path: Path) -> None:
    (tmp_path / "wrong-name.yaml").write_text(
        "id: right-name\ntitle: T\ndescription: D\ntime_limit_minutes: 30\n"
        "concepts: {chain_rule: {1: 1}}\n",
        encoding="utf-8",
    )
    with pytest.raises(BankError, match="file name must be the template id"):
        load_templates(tmp_path)
