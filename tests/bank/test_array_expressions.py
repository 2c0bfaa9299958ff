"""The array evaluator used by validation agrees with the scalar one that grades candidates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.bank.array_expressions import _FUNCTIONS, evaluate_arrays
from app.bank.expressions import FUNCTIONS, ExpressionError, evaluate
from app.bank.forms import draw_forms
from app.bank.instances import render_instance
from app.bank.loader import load_concepts
from app.bank.schemas import Integers, NumericItem, OneOf, Uniform

CONCEPTS = Path(__file__).resolve().parents[2] / "question_bank" / "concepts"
PARAMETERIZED = [
    c.item
    for c in load_concepts(CONCEPTS)
    if isinstance(c.item, NumericItem) and c.item.is_parameterized
]


def test_every_scalar_function_has_an_array_twin() -> None:
    assert set(_FUNCTIONS) == set(FUNCTIONS)


@pytest.mark.parametrize(
    "source",
    [
        "-x ** 2 + 3 * y - 7 // 2 + x % 0.7",
        "sigmoid(x) * (1 - sigmoid(-y)) + tanh(x) - relu(y - 0.5)",
        "max([x, y, 0.3]) - min(x, y) + sum([x, y]) + mean(x, y, 1)",
        "round(x * 10, 2) + floor(y) + ceil(x) + abs(y) + exp(y) + log(x + 3)",
        "sqrt(x + 3) + log2(x + 4) + log10(y + 4) + sin(x) * cos(pi * y) + e",
    ],
)
def test_array_and_scalar_evaluation_agree(source: str) -> None:
    rng = np.random.default_rng(0)
    x = np.round(rng.uniform(-2, 2, 300), 2)
    y = np.round(rng.uniform(-2, 2, 300), 2)
    many = evaluate_arrays(source, {"x": x, "y": y}, 300)
    one_by_one = [
        evaluate(source, {"x": float(a), "y": float(b)}) for a, b in zip(x, y, strict=True)
    ]
    np.testing.assert_allclose(many, one_by_one, rtol=1e-12, atol=1e-12)


def test_undefined_forms_come_out_as_nan_not_an_exception() -> None:
    x = np.array([1.0, 0.0, 4.0])
    logs = evaluate_arrays("log(x)", {"x": x}, 3)
    assert np.isfinite(logs[0])
    assert not np.isfinite(logs[1])
    roots = evaluate_arrays("(x - 2) ** 0.5", {"x": x}, 3)
    assert np.isnan(roots[0])  # a negative base to a fractional power
    assert roots[2] == pytest.approx(2**0.5)


def test_the_whitelist_still_applies() -> None:
    with pytest.raises(ExpressionError):
        evaluate_arrays("x.__class__", {"x": np.zeros(2)}, 2)
    with pytest.raises(ExpressionError):
        evaluate_arrays("open(x)", {"x": np.zeros(2)}, 2)


@pytest.mark.parametrize("item", PARAMETERIZED, ids=lambda item: item.id)
def test_bank_answers_agree_with_the_rendered_instances(item: NumericItem) -> None:
    instances = [render_instance(item, seed) for seed in range(60)]
    env = {name: np.array([i.params[name] for i in instances]) for name in item.params}
    for name, source in item.let.items():
        env[name] = evaluate_arrays(source, env, len(instances))
    assert isinstance(item.answer, str)
    answers = evaluate_arrays(item.answer, env, len(instances))
    np.testing.assert_allclose(answers, [i.answer for i in instances], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("item", PARAMETERIZED, ids=lambda item: item.id)
def test_forms_follow_each_param_spec(item: NumericItem) -> None:
    forms = draw_forms(item, 2000)
    for name, spec in item.params.items():
        values = forms.params[name]
        if isinstance(spec, Integers):
            assert set(np.unique(values)) <= set(range(spec.integers[0], spec.integers[1] + 1))
        elif isinstance(spec, OneOf):
            assert set(np.unique(values)) == {float(v) for v in spec.choice}
        else:
            assert isinstance(spec, Uniform)
            assert values.min() >= spec.uniform[0] - 1e-12
            assert values.max() <= spec.uniform[1] + 1e-12
            assert np.all(np.abs(values) >= spec.min_abs - 1e-12)
            np.testing.assert_allclose(values, np.round(values, spec.decimals), atol=1e-12)
        # The same law as rendering: every value a seed draws is one the forms can hold.
        rendered = {render_instance(item, seed).params[name] for seed in range(40)}
        if isinstance(spec, OneOf):
            assert rendered <= set(np.unique(values))
