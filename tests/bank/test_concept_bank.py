"""The shipped concept bank loads, covers every skill and difficulty, and its numbers are right."""

import math
from collections import Counter
from collections.abc import Callable
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from app.bank.instances import is_correct, render_instance, solve, well_conditioned
from app.bank.loader import LoadedConcept, load_concepts
from app.bank.schemas import (
    MultiChoiceItem,
    NumericItem,
    QuestionKind,
    SingleChoiceItem,
)
from app.skills import Skill
from app.web.markdown import render_inline

CONCEPTS = Path(__file__).resolve().parents[2] / "question_bank" / "concepts"


@pytest.fixture(scope="module")
def bank() -> list[LoadedConcept]:
    return load_concepts(CONCEPTS)


@pytest.fixture(scope="module")
def numeric(bank: list[LoadedConcept]) -> dict[str, NumericItem]:
    return {c.item.id: c.item for c in bank if isinstance(c.item, NumericItem)}


def first_skill(concept: LoadedConcept) -> Skill:
    return concept.item.skills[0]


def test_bank_has_at_least_ten_items_in_every_skill_and_difficulty(
    bank: list[LoadedConcept],
) -> None:
    assert len(bank) >= 150
    cells = Counter((first_skill(c), c.item.difficulty) for c in bank)
    short = {cell: n for cell in product(Skill, (1, 2, 3)) if (n := cells[cell]) < 10}
    assert short == {}


def test_every_skill_has_every_kind_and_four_multi_choice_items(
    bank: list[LoadedConcept],
) -> None:
    kinds = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTI_CHOICE}
    kinds |= {QuestionKind.TRUE_FALSE, QuestionKind.NUMERIC}
    for skill in Skill:
        mine = [c.item for c in bank if first_skill(c) == skill]
        assert {item.kind for item in mine} == kinds, skill
        multi = sum(item.kind == QuestionKind.MULTI_CHOICE for item in mine)
        assert multi >= 4, (skill, multi)


# The topics issue 11 asked for, each found by the tag its items carry.
REQUIRED_TOPICS = [
    "initialization", "residual", "lstm", "full-convolution", "np-add-at", "layernorm",
    "zero-grad", "gradient-accumulation", "stop-gradient", "loss-scaling", "warm-up", "nesterov",
    "topological-order",
]  # fmt: skip


def test_the_requested_topics_are_covered(bank: list[LoadedConcept]) -> None:
    tags = Counter(tag for c in bank for tag in c.item.tags)
    assert {topic: tags[topic] for topic in REQUIRED_TOPICS if not tags[topic]} == {}


def test_parameterized_numeric_items_are_plentiful_and_spread(bank: list[LoadedConcept]) -> None:
    parameterized = [c for c in bank if isinstance(c.item, NumericItem) and c.item.is_parameterized]
    assert len(parameterized) >= 60
    per_skill = Counter(first_skill(c) for c in parameterized)
    assert set(per_skill) == set(Skill)
    assert min(per_skill.values()) >= 8, per_skill


def test_file_lives_in_its_first_skill_folder(bank: list[LoadedConcept]) -> None:
    # Templates count an item for its first skill; keeping the folder equal to it keeps the
    # per-folder counts in this file honest.
    for concept in bank:
        assert concept.path.parent.name == first_skill(concept).value, concept.path


def test_every_item_explains_itself(bank: list[LoadedConcept]) -> None:
    for concept in bank:
        explanation = concept.item.explanation.strip()
        assert len(explanation) >= 80, concept.item.id
        assert len(concept.item.prompt.strip()) >= 20, concept.item.id


def test_choice_items_offer_plausible_distractors(bank: list[LoadedConcept]) -> None:
    single_answers = Counter()
    for concept in bank:
        item = concept.item
        if isinstance(item, SingleChoiceItem):
            assert len(item.choices) >= 4, item.id
            single_answers[item.answer] += 1
        if isinstance(item, MultiChoiceItem):
            assert len(item.choices) >= 4, item.id
            assert 1 < len(item.answer) < len(item.choices), item.id
        texts = [c.text for c in getattr(item, "choices", [])]
        assert len(set(texts)) == len(texts), item.id
    # The right answer must not sit at the same position every time.
    assert len(single_answers) >= 3
    assert max(single_answers.values()) <= 0.5 * sum(single_answers.values())


def test_true_false_items_are_not_all_true(bank: list[LoadedConcept]) -> None:
    answers = Counter(c.item.answer for c in bank if c.item.kind == QuestionKind.TRUE_FALSE)
    assert answers[True] >= 4
    assert answers[False] >= 4


def test_every_numeric_item_is_well_conditioned_for_200_seeds(
    numeric: dict[str, NumericItem],
) -> None:
    problems = [p for item in numeric.values() for p in well_conditioned(item)]
    assert problems == []


# Hand-worked values: (item id, params, expected answer), each computed on paper.
HAND_WORKED: list[tuple[str, dict[str, float], float]] = [
    # b = m - w·x is shown, so z = m: 1.5 here (b = 0.5), and -0.5 (blocked) below.
    ("relu-neuron-output", {"w1": 1, "w2": -1, "x1": 2, "x2": 1, "m": 1.5}, 1.5),
    ("relu-neuron-output", {"w1": 1, "w2": -1, "x1": -2, "x2": 1, "m": -0.5}, 0.0),
    ("softmax-probability", {"z1": 0, "z2": 0, "z3": 0}, 1 / 3),
    ("softmax-probability", {"z1": 1, "z2": 0, "z3": 0}, math.e / (math.e + 2)),
    ("conv-output-size", {"O": 14, "F": 5, "S": 2, "P": 2}, 14),  # W = 27: (27-5+4)/2+1
    ("pool-output-count", {"O": 7, "F": 2, "S": 2, "C": 3}, 147),  # 3 x 7 x 7 from 14 x 14
    ("conv-parameter-count", {"Cin": 3, "Cout": 64, "K": 3}, 1792),  # VGG's first layer
    ("dense-parameter-count", {"D": 512, "M": 10}, 5130),
    (
        "batchnorm-normalized-value",
        {"x1": -1, "x2": 1, "x3": 0, "x4": 0, "g": 1, "b": -0.5},
        -1 / math.sqrt(0.5 + 1e-5) - 0.5,  # mean 0, variance 2/4
    ),
    ("mse-value", {"p1": 1, "p2": 2, "p3": 3, "t1": 0, "t2": 0, "t3": 0}, 14 / 3),
    ("mse-gradient", {"t": 0.5, "d": 1, "n": 4}, 0.5),
    ("cross-entropy-value", {"p": 0.5}, math.log(2)),
    ("softmax-ce-logit-gradient", {"z1": 0, "z2": 0, "z3": 0}, -2 / 3),
    ("bce-logit-gradient", {"z": 0, "y": 1}, -0.5),
    ("multiclass-svm-loss", {"s1": 1, "s2": 2, "s3": -1}, 2.0),
    ("l2-regularization-gradient", {"lam": 0.1, "w": 2}, 0.4),
    ("sgd-step", {"w": 1, "g": 2, "lr": 0.1}, 0.8),
    ("momentum-step", {"w": 1, "v": 0.5, "mu": 0.9, "lr": 0.1, "g": 1}, 1.35),
    ("rmsprop-update", {"c0": 0.01, "rho": 0.9, "lr": 0.01, "g": 0.1}, -0.01),
    ("adam-first-step", {"lr": 0.001, "g": -3}, 0.001),
    ("adam-bias-correction", {"t": 1, "m": 0.05}, 0.5),
    ("adam-bias-correction", {"t": 2, "m": 0.19}, 1.0),
    ("step-decay-learning-rate", {"lr0": 0.1, "gamma": 0.1, "k": 10, "n": 2, "r": 3}, 0.001),
    ("updates-per-training-run", {"q": 390, "r": 80, "B": 128, "E": 10}, 3910),  # N = 50000
    ("quadratic-divergence-threshold", {"a": 4}, 0.5),
    ("sigmoid-derivative-at-point", {"x": 0}, 0.25),
    ("tanh-derivative-at-point", {"x": 0}, 1.0),
    ("composite-square-derivative", {"a": 2, "b": 1, "x": 1}, 12.0),
    ("fork-gradients-add", {"x": 1, "a": 1, "b": 2}, 6.0),
    ("sigmoid-neuron-weight-gradient", {"w": 0, "b": 0, "x": 2}, 0.5),
    ("softplus-input-gradient", {"w": 1, "x": 0}, 0.5),
    ("two-layer-weight-gradient", {"x": 1, "w1": 1, "w2": 2, "d": 0.5}, 2.0),
    ("two-layer-weight-gradient", {"x": 1, "w1": -0.2, "w2": 2, "d": 0.5}, 0.0),  # ReLU blocks
    ("multiply-gate-gradient", {"x": 3, "y": -4, "g": 2}, -8.0),
    ("centered-difference-estimate", {"x": 1, "h": 0.1}, 3.01),
    ("forward-difference-error", {"x": 1, "h": 0.1}, 0.31),
    ("affine-weight-gradient", {"a": 1, "b": 2, "c": 3, "d": 4, "g1": 1, "g2": -1}, -2.0),
    ("relu-backward-value", {"x1": -1, "x2": 2, "x3": 0.5, "g1": 5, "g2": 3, "g3": -1}, 2.0),
    ("relu-backward-value", {"x1": -1, "x2": -2, "x3": -0.5, "g1": 5, "g2": 3, "g3": -1}, 0.0),
    # theta = 0: x̂ = (1.414, -0.707, -0.707) after rounding to 3 decimals.
    ("batchnorm-gamma-gradient", {"theta": 0, "d1": 0.5, "d2": 0.5, "d3": -1}, 1.0605),
    ("sigmoid-backward-from-output", {"s": 0.5, "g": 1}, 0.25),
    ("softmax-loss-batch-gradient", {"p": 0.2, "n": 4}, -0.2),
    ("gradient-norm-clipping-value", {"g1": 3, "g2": 4, "c": 1}, 0.6),
    ("label-smoothing-true-class-gradient", {"p": 0.7, "eps": 0.1, "K": 5}, -0.22),
    ("mean-backward-value", {"n": 4, "g": 2}, 0.5),
    ("affine-bias-gradient", {"g1": 1, "g2": -0.5, "g3": 0.25}, 0.75),
    ("stop-gradient-product", {"x": 1.5}, 1.5),
    ("conv1d-input-gradient", {"w1": 1, "w2": 2, "d1": 0.5, "d2": 1, "d3": 3}, 2.0),
    ("scaled-add-gate-gradient", {"a": 3, "b": -1, "g": 0.5}, 1.5),
    ("exp-inner-derivative", {"a": 2, "x": 0}, 2.0),
    ("residual-block-input-gradient", {"w1": 1, "w2": 2, "x": 1, "g": 0.5}, 1.5),
    ("residual-block-input-gradient", {"w1": -0.3, "w2": 2, "x": 1, "g": 0.5}, 0.5),  # blocked
    ("lstm-cell-state-path", {"f1": 0.5, "f2": 0.5, "f3": 0.8}, 0.2),
    # q1 = 0.5, q2 = 0.4: p = (0.5, 0.4, 0.1); with g = (1, 0, 0), p1·(1 - p1) = 0.25.
    ("softmax-vjp-entry", {"q1": 0.5, "q2": 0.4, "g1": 1, "g2": 0, "g3": 0}, 0.25),
    ("product-of-activations-derivative", {"x": 0}, 0.5),
    ("he-init-std", {"n": 50}, 0.2),
    ("residual-block-output", {"w": 1, "b": 0.5, "x": 1}, 2.5),
    ("residual-block-output", {"w": -1, "b": 0, "x": 2}, 2.0),
    ("residual-variance-growth", {"L": 2, "a": 0.5}, 2.25),
    ("lstm-cell-forward", {"c0": 2, "f": 0.5, "i": 0.5, "o": 0.5, "g": 0}, 0.5 * math.tanh(1)),
    ("conv-multiply-adds", {"O": 4, "K": 3, "S": 1, "Cin": 2, "Cout": 4}, 1152),
    (
        "attention-output-value",
        {"q1": 0, "q2": 0, "a1": 1, "a2": 2, "b1": -1, "b2": 1, "v1": -1, "v2": 3},
        1.0,  # a zero query attends uniformly
    ),
    (
        "attention-output-value",
        {"q1": 1, "q2": 1, "a1": 1, "a2": 1, "b1": 0, "b2": 0, "v1": 2, "v2": 0},
        2 / (1 + math.exp(-math.sqrt(2))),  # scores sqrt(2) and 0
    ),
    ("bce-value", {"p": 0.8, "y": 0}, math.log(5)),
    ("bce-value", {"p": 0.5, "y": 1}, math.log(2)),
    ("mae-value", {"p1": 1, "p2": 0, "p3": -1, "t1": 0, "t2": 0, "t3": 1}, 1.0),
    ("focal-loss-value", {"gamma": 2, "p": 0.5}, 0.25 * math.log(2)),
    ("kl-divergence-value", {"a": 0.5, "b": 0.5}, 0.0),
    ("kl-divergence-value", {"a": 0.5, "b": 0.25}, 0.5 * math.log(4 / 3)),
    ("large-logit-cross-entropy", {"base": 800, "u": 0, "v": 0}, math.log(3)),
    (
        "constant-predictor-bce",
        {"n": 100, "r": 0.25},
        -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)),
    ),
    ("warmup-learning-rate", {"peak": 0.001, "W": 100, "s": 0.25}, 0.00025),
    ("sgd-two-steps-quadratic", {"w0": 2, "lr": 0.25}, 0.5),
    ("exponential-decay-learning-rate", {"lr0": 0.1, "gamma": 0.9, "t": 3}, 0.081),
    ("nesterov-step", {"a": 1, "mu": 0.5, "lr": 0.1, "w": 1, "v": 1}, 1.35),
    ("gradient-accumulation-learning-rate", {"b": 8, "k": 4, "lr": 0.2}, 0.05),
    ("flatten-affine-parameters", {"C": 2, "H": 3, "M": 10}, 190),
    # x = (2, -2, 0, 0): mu 0, var 2, so x̂1 = sqrt(2); gamma 1, beta 0.5.
    (
        "layernorm-normalized-value",
        {"x1": 2, "x2": -2, "x3": 0, "x4": 0, "g": 1, "b": 0.5},
        math.sqrt(2) + 0.5,
    ),
    ("l2-penalty-value", {"lam": 0.1, "w1": 1, "w2": -2, "w3": 0.5}, 0.525),
    ("weight-decay-step", {"w": 1, "g": 0.5, "lr": 0.1, "lam": 0.1}, 0.94),
]


@pytest.mark.parametrize(("item_id", "params", "expected"), HAND_WORKED)
def test_answer_expression_matches_hand_worked_value(
    numeric: dict[str, NumericItem], item_id: str, params: dict[str, float], expected: float
) -> None:
    assert solve(numeric[item_id], params) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_every_parameterized_item_has_a_hand_worked_value(numeric: dict[str, NumericItem]) -> None:
    covered = {item_id for item_id, _, _ in HAND_WORKED}
    assert {i for i, item in numeric.items() if item.is_parameterized} <= covered


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def derivative(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def softmax_ce(z: list[float], label: int) -> float:
    m = max(z)
    return -(z[label] - m - math.log(sum(math.exp(v - m) for v in z)))


def label_smoothed_true_logit_gradient(p: dict[str, float]) -> float:
    # Logits whose softmax gives the true class (index 0) probability p, the rest equal shares.
    k = int(p["K"])
    rest = (1 - p["p"]) / (k - 1)
    logits = [math.log(p["p"])] + [math.log(rest)] * (k - 1)
    target = [1 - p["eps"] + p["eps"] / k] + [p["eps"] / k] * (k - 1)

    def loss(z0: float) -> float:
        z = [z0, *logits[1:]]
        m = max(z)
        log_norm = m + math.log(sum(math.exp(v - m) for v in z))
        return -sum(t * (v - log_norm) for t, v in zip(target, z, strict=True))

    return derivative(loss, logits[0])


def lstm_cell_states(c0: float, forget: list[float]) -> float:
    c = c0
    for t, f in enumerate(forget):
        c = f * c + 0.3 * math.tanh(0.5 * t - 0.2)  # i·g, independent of c
    return c


def softmax_vjp_first_logit(p: dict[str, float]) -> float:
    denominator = p["q1"] + p["q2"] + 0.1
    p1, p2 = round(p["q1"] / denominator, 2), round(p["q2"] / denominator, 2)
    probs = [p1, p2, round(1 - p1 - p2, 2)]
    g = [p["g1"], p["g2"], p["g3"]]

    def loss(z1: float) -> float:
        z = [z1, math.log(probs[1]), math.log(probs[2])]
        norm = sum(math.exp(v) for v in z)
        return sum(gj * math.exp(zj) / norm for gj, zj in zip(g, z, strict=True))

    return derivative(loss, math.log(probs[0]))


# Independent references: the answer of a derivative item must match a numerical derivative of
# the function written out here, for every drawn instance.
REFERENCES: dict[str, Callable[[dict[str, float]], float]] = {
    "sigmoid-derivative-at-point": lambda p: derivative(sigmoid, p["x"]),
    "tanh-derivative-at-point": lambda p: derivative(math.tanh, p["x"]),
    "composite-square-derivative": lambda p: derivative(
        lambda x: (p["a"] * x + p["b"]) ** 2, p["x"]
    ),
    "fork-gradients-add": lambda p: derivative(lambda x: (x + p["a"]) * (p["b"] * x), p["x"]),
    "sigmoid-neuron-weight-gradient": lambda p: derivative(
        lambda w: sigmoid(w * p["x"] + p["b"]), p["w"]
    ),
    "softplus-input-gradient": lambda p: derivative(
        lambda x: math.log1p(math.exp(p["w"] * x)), p["x"]
    ),
    "two-layer-weight-gradient": lambda p: derivative(
        lambda w1: (p["w2"] * max(0.0, w1 * p["x"]) - (p["w2"] * p["w1"] * p["x"] - p["d"])) ** 2,
        p["w1"],
    ),
    "multiply-gate-gradient": lambda p: derivative(lambda x: p["g"] * x * p["y"], p["x"]),
    "bce-logit-gradient": lambda p: derivative(
        lambda z: -(p["y"] * math.log(sigmoid(z)) + (1 - p["y"]) * math.log(1 - sigmoid(z))),
        p["z"],
    ),
    "mse-gradient": lambda p: derivative(lambda q: (q - p["t"]) ** 2 / p["n"], p["t"] + p["d"]),
    "softmax-ce-logit-gradient": lambda p: derivative(
        lambda z2: softmax_ce([p["z1"], z2, p["z3"]], 1), p["z2"]
    ),
    "l2-regularization-gradient": lambda p: derivative(lambda w: p["lam"] * w * w, p["w"]),
    "relu-backward-value": lambda p: sum(
        derivative(lambda x, i=i: p[f"g{i}"] * max(0.0, x), p[f"x{i}"]) for i in (1, 2, 3)
    ),
    "sigmoid-backward-from-output": lambda p: (
        p["g"] * derivative(sigmoid, math.log(p["s"] / (1 - p["s"])))
    ),
    "affine-weight-gradient": lambda p: derivative(
        lambda w: p["g1"] * (p["a"] * w + p["b"]) + p["g2"] * (p["c"] * w + p["d"]), 0.3
    ),
    "centered-difference-estimate": lambda p: (
        ((p["x"] + p["h"]) ** 3 - (p["x"] - p["h"]) ** 3) / (2 * p["h"])
    ),
    "forward-difference-error": lambda p: 3 * p["x"] * p["h"] + p["h"] ** 2,
    "quadratic-divergence-threshold": lambda p: 2 / p["a"],
    "label-smoothing-true-class-gradient": lambda p: label_smoothed_true_logit_gradient(p),
    "mean-backward-value": lambda p: derivative(
        lambda x1: p["g"] * (x1 + (p["n"] - 1) * 0.3) / p["n"], 0.7
    ),
    "affine-bias-gradient": lambda p: derivative(
        lambda b: sum(p[f"g{i}"] * (0.4 * i + b) for i in (1, 2, 3)), 0.1
    ),
    "stop-gradient-product": lambda p: derivative(lambda t: t * p["x"], p["x"]),
    "conv1d-input-gradient": lambda p: derivative(
        lambda x2: float(
            np.dot(
                [p["d1"], p["d2"], p["d3"]],
                np.correlate([0.3, x2, -0.2, 0.5], [p["w1"], p["w2"]], mode="valid"),
            )
        ),
        0.1,
    ),
    "scaled-add-gate-gradient": lambda p: derivative(
        lambda x: p["g"] * (p["a"] * x + p["b"] * 0.7), 0.2
    ),
    "exp-inner-derivative": lambda p: derivative(lambda x: math.exp(p["a"] * x), p["x"]),
    "residual-block-input-gradient": lambda p: derivative(
        lambda x: p["g"] * (x + p["w2"] * max(0.0, p["w1"] * x)), p["x"]
    ),
    "lstm-cell-state-path": lambda p: derivative(
        lambda c0: lstm_cell_states(c0, [p["f1"], p["f2"], p["f3"]]), 0.4
    ),
    "softmax-vjp-entry": lambda p: softmax_vjp_first_logit(p),
    "l2-penalty-value": lambda p: sum(
        derivative(lambda w: p["lam"] * w**3 / 3, p[f"w{i}"]) for i in (1, 2, 3)
    ),
    "weight-decay-step": lambda p: (
        p["w"] - p["lr"] * (p["g"] + derivative(lambda w: p["lam"] * w * w / 2, p["w"]))
    ),
    "product-of-activations-derivative": lambda p: derivative(
        lambda x: sigmoid(x) * math.tanh(x), p["x"]
    ),
}


@pytest.mark.parametrize("item_id", sorted(REFERENCES))
def test_derivative_items_match_numerical_derivatives(
    numeric: dict[str, NumericItem], item_id: str
) -> None:
    item = numeric[item_id]
    for seed in range(40):
        instance = render_instance(item, seed)
        expected = REFERENCES[item_id](instance.params)
        assert instance.answer == pytest.approx(expected, rel=1e-5, abs=1e-8), (seed, instance)


def test_quadratic_threshold_really_separates_convergence_from_divergence(
    numeric: dict[str, NumericItem],
) -> None:
    instance = render_instance(numeric["quadratic-divergence-threshold"], 5)
    a, threshold = instance.params["a"], instance.answer

    def final_w(lr: float) -> float:
        w = 1.0
        for _ in range(200):
            w -= lr * a * w
        return abs(w)

    assert final_w(0.95 * threshold) < 1e-3
    assert final_w(1.05 * threshold) > 1e3


def test_a_correct_reply_is_accepted_and_a_typical_mistake_refused(
    numeric: dict[str, NumericItem],
) -> None:
    item = numeric["softmax-loss-batch-gradient"]
    instance = render_instance(item, 11)
    assert is_correct(instance, round(instance.answer, 4))
    assert not is_correct(instance, instance.answer * instance.params["n"])  # forgot the 1/N


def test_prompts_and_choices_show_as_written_on_the_candidate_page(
    bank: list[LoadedConcept],
) -> None:
    # The page renders text as Markdown: a stray * or _ pair would turn into emphasis silently.
    for concept in bank:
        item = concept.item
        prompt = item.prompt
        if isinstance(item, NumericItem) and item.is_parameterized:
            prompt = render_instance(item, 0).prompt
        for text in [prompt, *(c.text for c in getattr(item, "choices", []))]:
            assert "<" not in str(render_inline(text)), (item.id, text)
