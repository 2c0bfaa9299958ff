"""Numeric items render deterministically per seed, compute hand-checkable answers, and grade."""

import math
from typing import Any

import pytest

from app.bank.instances import (
    InstanceError,
    derive_seed,
    format_number,
    is_correct,
    render_for_attempt,
    render_instance,
    solve,
    well_conditioned,
)
from app.bank.schemas import NumericItem


def make_item(**overrides: Any) -> NumericItem:
    fields: dict[str, Any] = {
        "id": "sigmoid-slope",
        "kind": "numeric",
        "skills": ["chain_rule"],
        "difficulty": 1,
        "prompt": "s = sigmoid(x) at x = {x}. What is ds/dx?",
        "explanation": "ds/dx = s(1 - s).",
        "params": {"x": {"uniform": [-3, 3], "decimals": 2, "min_abs": 0.5}},
        "let": {"s": "sigmoid(x)"},
        "answer": "s * (1 - s)",
        "tolerance": {"rel": 0.01},
    }
    fields.update(overrides)
    return NumericItem.model_validate(fields)


def test_same_seed_gives_the_same_instance() -> None:
    item = make_item()
    assert render_instance(item, 42) == render_instance(item, 42)


def test_different_seeds_give_different_numbers() -> None:
    item = make_item()
    xs = {render_instance(item, seed).params["x"] for seed in range(20)}
    assert len(xs) >= 15


def test_uniform_honours_decimals_range_and_min_abs() -> None:
    item = make_item()
    for seed in range(300):
        x = render_instance(item, seed).params["x"]
        assert -3 <= x <= 3
        assert abs(x) >= 0.5
        assert round(x, 2) == x


def test_integers_are_inclusive_and_one_of_draws_listed_values() -> None:
    item = make_item(
        prompt="n = {n}, k = {k}",
        params={"n": {"integers": [1, 3]}, "k": {"choice": [0.5, 2]}},
        let={},
        answer="n * k",
    )
    seen_n = set()
    seen_k = set()
    for seed in range(200):
        params = render_instance(item, seed).params
        seen_n.add(params["n"])
        seen_k.add(params["k"])
    assert seen_n == {1, 2, 3}
    assert seen_k == {0.5, 2}


def test_sigmoid_derivative_matches_hand_value() -> None:
    item = make_item()
    instance = render_instance(item, 7)
    x = instance.params["x"]
    s = 1 / (1 + math.exp(-x))
    assert instance.answer == pytest.approx(s * (1 - s), rel=1e-12)
    assert f"x = {format_number(x)}" in instance.prompt


def test_sigmoid_derivative_at_zero_is_a_quarter() -> None:
    item = make_item(params={"x": {"choice": [0]}}, answer="s * (1 - s) + 0 * x")
    assert render_instance(item, 1).answer == 0.25


def test_lets_are_evaluated_in_order_and_shown_rounded() -> None:
    item = make_item(
        prompt="w = {w}, g = {g}, lr = {lr}; the step is {step}. New w?",
        params={"w": {"choice": [1.5]}, "g": {"choice": [-2]}, "lr": {"choice": [0.1]}},
        let={"step": "lr * g", "neg": "-step"},
        answer="w + neg",
    )
    instance = render_instance(item, 0)
    assert instance.answer == pytest.approx(1.7)
    assert instance.prompt == "w = 1.5, g = -2, lr = 0.1; the step is -0.2. New w?"


def test_format_number_is_readable() -> None:
    assert format_number(3.0) == "3"
    assert format_number(0.123456) == "0.1235"
    assert format_number(-12.3456) == "-12.35"
    assert format_number(0.5) == "0.5"
    assert format_number(1.5e-7) == "1.5e-07"


def test_plain_numeric_item_renders_as_itself() -> None:
    item = make_item(prompt="How many?", params={}, let={}, answer=6, tolerance={"abs": 0.5})
    instance = render_instance(item, 123)
    assert (instance.prompt, instance.answer, instance.params) == ("How many?", 6.0, {})
    assert is_correct(item, 6.2)
    assert not is_correct(item, 6.6)


def test_is_correct_applies_abs_plus_rel() -> None:
    item = make_item(params={"x": {"choice": [0]}}, tolerance={"abs": 0.01, "rel": 0.0})
    instance = render_instance(item, 0)  # answer 0.25
    assert is_correct(instance, 0.25)
    assert is_correct(instance, 0.26)  # exactly on the boundary despite binary rounding
    assert not is_correct(instance, 0.2601)
    assert not is_correct(instance, math.nan)
    assert not is_correct(instance, math.inf)


def test_parameterized_item_cannot_be_graded_without_an_instance() -> None:
    with pytest.raises(InstanceError, match="parameterized"):
        is_correct(make_item(), 0.2)


def test_derive_seed_is_stable_and_item_specific() -> None:
    # Pinned: a change here would silently change every candidate's numbers across a deploy.
    assert derive_seed(1, "a") == 8428937795855222155
    assert derive_seed(1, "a") != derive_seed(1, "b")
    assert derive_seed(1, "a") != derive_seed(2, "a")
    assert 0 <= derive_seed(2**62, "x" * 80) < 2**63


def test_render_for_attempt_uses_the_derived_seed() -> None:
    item = make_item()
    assert render_for_attempt(item, 99) == render_instance(item, derive_seed(99, item.id))


def test_well_conditioned_accepts_a_good_item() -> None:
    assert well_conditioned(make_item()) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"tolerance": {"abs": 0.5}}, "too loose"),
        ({"tolerance": {"rel": 1e-7}}, "too tight"),
        ({"answer": "exp(30 * x)", "params": {"x": {"uniform": [1, 2]}}}, "absurdly large"),
        ({"answer": "exp(-30 * abs(x))"}, "absurdly small"),
        ({"answer": "1 / (x - x)"}, "division by zero"),
        ({"answer": "s * 0 + 0.25"}, "the same for every seed"),
        ({"prompt": "What is ds/dx?"}, "never appear in the prompt"),
        ({"prompt": "x = {x}, y = {y}"}, "unknown placeholders"),
        ({"let": {"s": "sigmoid(x) + nope"}}, "unknown name 'nope'"),
        ({"let": {"exp": "x"}, "answer": "x"}, "function or constant name"),
        (
            {"params": {"x": {"uniform": [0.1, 0.2], "decimals": 2, "min_abs": 0.5}}},
            "could not draw",
        ),
        (
            # The prompt shows s to 4 significant digits (up to ~5e-4 off); 2e-4 is tighter.
            {"prompt": "x = {x}, s = {s}", "answer": "s", "tolerance": {"rel": 2e-4}},
            "rounded numbers in the prompt",
        ),
    ],
)
def test_well_conditioned_names_each_problem(overrides: dict[str, Any], problem: str) -> None:
    problems = well_conditioned(make_item(**overrides))
    assert problems
    assert problem in problems[0]


def test_a_let_shown_in_the_prompt_makes_its_inputs_visible() -> None:
    item = make_item(
        prompt="z = {z}. What is sigmoid'(z)?",
        params={"a": {"uniform": [0.5, 1]}, "b": {"uniform": [0.5, 1]}},
        let={"z": "a + b", "s": "sigmoid(z)"},
        tolerance={"rel": 0.01},
    )
    assert well_conditioned(item) == []


def test_solve_uses_given_params_and_refuses_missing_ones() -> None:
    item = make_item()
    assert solve(item, {"x": 0.0}) == 0.25
    with pytest.raises(InstanceError, match="params must be exactly"):
        solve(item, {})


def test_decimal_cancellation_snaps_to_an_exact_zero() -> None:
    item = make_item(
        prompt="a = {a}, b = {b}, c = {c}: a + b - c?",
        params={"a": {"choice": [0.1]}, "b": {"choice": [0.2]}, "c": {"choice": [0.3]}},
        let={},
        answer="a + b - c",
    )
    instance = render_instance(item, 0)
    assert instance.answer == 0.0
    assert is_correct(instance, 0)
