"""Each quality rule of `chainrule bank validate` fails a planted bad item and passes a good one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.bank.validation import validate_concepts

SGD: dict[str, Any] = {
    "id": "planted-sgd",
    "kind": "numeric",
    "skills": ["gradient_descent"],
    "difficulty": 1,
    "prompt": "w = {w}, gradient {g}, learning rate {lr}. What is w after one SGD step?",
    "explanation": "w - lr * g; adding the gradient is the classic sign error.",
    "params": {
        "w": {"uniform": [-2, 2], "decimals": 2},
        "g": {"uniform": [-3, 3], "decimals": 2, "min_abs": 0.5},
        "lr": {"choice": [0.05, 0.1, 0.2, 0.5]},
    },
    "answer": "w - lr * g",
    "tolerance": {"rel": 0.001},
    "mistakes": {"gradient_ascent": "w + lr * g", "unchanged": "w"},
}

CHOICE: dict[str, Any] = {
    "id": "planted-choice",
    "kind": "single_choice",
    "skills": ["chain_rule"],
    "difficulty": 1,
    "prompt": "What is the derivative of x² at x = 3?",
    "explanation": "2x = 6.",
    "choices": [
        {"id": "a", "text": "3, the value of x"},
        {"id": "b", "text": "6, twice the x"},
        {"id": "c", "text": "9, x squared"},
        {"id": "d", "text": "1, a constant"},
    ],
    "answer": "b",
}


def problems_of(tmp_path: Path, item: dict[str, Any]) -> list[str]:
    folder = tmp_path / item["skills"][0]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{item['id']}.yaml").write_text(yaml.safe_dump(item, allow_unicode=True))
    return validate_concepts(tmp_path).problems


def test_a_good_numeric_item_passes(tmp_path: Path) -> None:
    assert problems_of(tmp_path, SGD) == []


def test_a_parameterized_item_without_mistakes_fails(tmp_path: Path) -> None:
    item = {k: v for k, v in SGD.items() if k != "mistakes"}
    assert any("declare the common mistakes" in p for p in problems_of(tmp_path, item))


def test_a_tolerance_that_accepts_a_sign_error_fails(tmp_path: Path) -> None:
    # The shipped bank's old sgd-step: rel 0.01 with lr down to 0.01 lets w + lr*g through.
    item = SGD | {
        "tolerance": {"rel": 0.01},
        "params": SGD["params"] | {"lr": {"choice": [0.01, 0.05, 0.1, 0.5]}},
    }
    found = problems_of(tmp_path, item)
    assert any("accepts the mistake 'gradient_ascent'" in p for p in found), found


def test_a_mistake_that_is_always_right_is_no_mistake(tmp_path: Path) -> None:
    item = SGD | {"mistakes": {"rewritten": "w - g * lr", "gradient_ascent": "w + lr * g"}}
    found = problems_of(tmp_path, item)
    assert any("'rewritten' gives the right answer" in p for p in found), found


def test_an_answer_that_is_a_coin_flip_fails(tmp_path: Path) -> None:
    # The old relu-neuron-output: z symmetric around 0, so ReLU(z) = 0 in half the forms.
    item = SGD | {
        "id": "planted-relu",
        "prompt": "ReLU of {w}·{g} + {lr}?",
        "answer": "relu(w * g + lr)",
        "mistakes": {"forgot_bias": "relu(w * g)"},
    }
    found = problems_of(tmp_path, item)
    assert any("guessing it pays" in p for p in found), found


def test_too_few_distinct_answers_fails(tmp_path: Path) -> None:
    item = SGD | {
        "id": "planted-tanh",
        "prompt": "tanh'({w})?",
        "params": {"w": {"uniform": [-2.5, 2.5], "decimals": 1, "min_abs": 0.3}},
        "answer": "1 - tanh(w) ** 2",
        "mistakes": {"one_minus_square": "1 - w ** 2"},
    }
    found = problems_of(tmp_path, item)
    assert any("distinct answers" in p for p in found), found
    wider = item | {"params": {"w": {"uniform": [-2.5, 2.5], "decimals": 2, "min_abs": 0.3}}}
    assert problems_of(tmp_path / "wider", wider) == []


def test_a_balanced_choice_item_passes(tmp_path: Path) -> None:
    assert problems_of(tmp_path, CHOICE) == []


def test_a_key_much_longer_than_every_distractor_fails(tmp_path: Path) -> None:
    long_key = [
        c | {"text": "6: the derivative 2x evaluated at x = 3, by the power rule"}
        if c["id"] == "b"
        else c
        for c in CHOICE["choices"]
    ]
    found = problems_of(tmp_path, CHOICE | {"choices": long_key})
    assert any("planted-choice: the key is" in p and "length gives" in p for p in found), found


def test_multi_choice_whose_right_options_all_stand_out_fails(tmp_path: Path) -> None:
    item = CHOICE | {
        "kind": "multi_choice",
        "choices": [
            {"id": "a", "text": "6, by the power rule applied to x² at x = 3"},
            {"id": "b", "text": "2·3, the slope of the tangent line at that point"},
            {"id": "c", "text": "9"},
            {"id": "d", "text": "1"},
        ],
        "answer": ["a", "b"],
    }
    found = problems_of(tmp_path, item)
    assert any("every right option is" in p for p in found), found


@pytest.mark.parametrize("ratio_text", ["6, twice x", "6, twice the x value"])
def test_a_key_slightly_longer_is_reported_only_in_the_balance(
    tmp_path: Path, ratio_text: str
) -> None:
    choices = [c | {"text": ratio_text} if c["id"] == "b" else c for c in CHOICE["choices"]]
    report = validate_concepts_with(tmp_path, CHOICE | {"choices": choices})
    assert report.problems == []
    balance = report.balance
    assert balance.single_choice == 1
    assert balance.key_positions == {1: 1}
    assert balance.key_longest == (len(ratio_text) > len("3, the value of x"))


def validate_concepts_with(tmp_path: Path, item: dict[str, Any]) -> Any:
    problems_of(tmp_path, item)
    return validate_concepts(tmp_path)
