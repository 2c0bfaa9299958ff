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
    select_concepts,
)
from app.skills import Skill

BANK = Path(__file__).resolve().parents[2] / "question_bank"
ROLES = {"data-scientist", "ml-engineer", "deep-learning-engineer", "ai-engineer"}
# The coding tasks the coding bank is being built with (DESIGN.md §5).
PLANNED_CODING_TASKS = {
    "affine", "relu", "sigmoid", "tanh", "softmax_loss", "svm_loss", "mse_loss", "linear_softmax",
    "linear_svm", "two_layer_net", "batchnorm", "layernorm", "dropout", "conv", "max_pool",
    "spatial_batchnorm", "rnn", "lstm", "word_embedding", "temporal", "optimizers", "attention",
}  # fmt: skip


@pytest.fixture(scope="module")
def templates() -> dict[str, RoleTemplate]:
    return load_templates(BANK / "templates")


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


def test_templates_name_only_known_coding_tasks(templates: dict[str, RoleTemplate]) -> None:
    for template in templates.values():
        assert set(template.coding) <= PLANNED_CODING_TASKS, template.id


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


def test_check_template_reports_missing_coding_tasks(items: list[ConceptItem]) -> None:
    template = make_template(coding=["affine", "teleport"])
    assert check_template(template, items, {"affine"}) == [
        "template tiny: coding task 'teleport' is not in the bank"
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"concepts": {"chain_rule": {4: 1}}},
        {"concepts": {"calculus": {1: 1}}},
        {"concepts": {}, "coding": []},
        {"coding": ["affine", "affine"]},
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
