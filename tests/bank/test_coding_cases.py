"""What the coding bank's drawn cases promise the candidate, over many attempts' seeds."""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import Limits, PooledRunner, Runner, TaskError, TaskSpec, Verdict, grade, load_task
from sandbox.grading import reference
from sandbox.grading.cases import Case, build_cases, draw_case

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"
SEEDS = range(40)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    pooled = PooledRunner(slots=1)
    yield pooled
    pooled.close()


@pytest.fixture(scope="module")
def max_pool() -> TaskSpec:
    return load_task(CODING / "max_pool")


def test_every_max_pool_case_tiles_the_input_exactly(max_pool: TaskSpec) -> None:
    # The usual course docstring lets students assume (H - PH) % S == 0 and (W - PW) % S == 0.
    seen = set()
    for seed in SEEDS:
        for case in build_cases(max_pool, seed=seed, hidden=True):
            d = case.dims
            seen.add((d["H"], d["W"], d["PH"], d["PW"], d["S"]))
            assert (d["H"] - d["PH"]) % d["S"] == 0, (case.name, dict(d))
            assert (d["W"] - d["PW"]) % d["S"] == 0, (case.name, dict(d))
    assert len(seen) > 10  # the hidden ranges still vary the sizes
    assert "(W \N{MINUS SIGN} pool_width) % stride == 0" in max_pool.statement


# --------------------------------------------------------------------------- kinks

# Per task: the line that keeps its draws off the kinks today, removed in the test's copy so
# that drawn cases can land on one, and the public case whose seed the test replaces.
KINKED = {
    "relu": ("x: {shape: [N, D1, D2], min_abs: 0.01}", "x: {shape: [N, D1, D2]}"),
    "max_pool": ("x: {shape: [N, C, H, W], distinct: 1.0e-3}", "x: {shape: [N, C, H, W]}"),
    "svm_loss": ("", ""),
    "linear_svm": ("", ""),
    "two_layer_net": ("b1: {shape: [H], std: 2.0, min_abs: 1.5}", "b1: {shape: [H], std: 2.0}"),
}
# A wide margin in the copies: kinked draws are common, so a seed that makes one is quick to find.
WIDE_MARGIN = 2e-2


def _kinks_module(folder: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"kinks_{folder.name}", folder / "kinks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resolved(value: Any, dims: Mapping[str, int]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"dim"}:
            return dims[value["dim"]]
        return {k: _resolved(v, dims) for k, v in value.items()}
    return value


def _distance(task: TaskSpec, module: Any, case: Case) -> float:
    assert task.kinks is not None
    values = {**case.inputs, **{k: _resolved(v, case.dims) for k, v in case.params.items()}}
    return float(getattr(module, task.kinks.call)(*(values[a] for a in task.kinks.args)))


@pytest.mark.parametrize("task_id", sorted(KINKED))
def test_a_case_drawn_on_a_kink_is_drawn_again_and_the_reference_keeps_full_marks(
    task_id: str, tmp_path: Path, runner: Runner
) -> None:
    folder = tmp_path / task_id
    shutil.copytree(CODING / task_id, folder)
    yaml_path = folder / "task.yaml"
    text = yaml_path.read_text()
    old, new = KINKED[task_id]
    assert old in text
    text = text.replace(old, new)
    original = load_task(CODING / task_id)
    assert original.kinks is not None
    text = re.sub(r"margin: [0-9.e-]+\}", f"margin: {WIDE_MARGIN}}}", text)
    yaml_path.write_text(text)
    module = _kinks_module(folder)
    task = load_task(folder)
    assert task.kinks is not None
    assert task.kinks.margin == WIDE_MARGIN
    # a public seed whose first draw sits within the margin of a kink
    spec = task.public_cases[0]
    seed = next(
        s
        for s in range(1, 5000)
        if _distance(task, module, draw_case(task, spec, "p0", case_seed=s, attempt_seed=0))
        < WIDE_MARGIN
    )
    yaml_path.write_text(text.replace(f"seed: {spec.seed},", f"seed: {seed},", 1))
    task = load_task(folder)
    assert task.public_cases[0].seed == seed
    report = grade(task, task.reference, runner=runner, seed=3, hidden=False)
    assert (report.verdict, report.score) == (Verdict.PASSED, task.points), report.message
    prepared = reference.prepare(task, runner=runner, seed=3, hidden=False, limits=Limits())
    p0 = next(c for c in prepared.cases if c.name == "p0")
    assert p0.redraws >= 1
    assert _distance(task, module, p0) >= WIDE_MARGIN
    # deterministic: the same attempt sees the same redrawn numbers
    reference.clear_cache()
    again = reference.prepare(task, runner=runner, seed=3, hidden=False, limits=Limits())
    for name, value in p0.inputs.items():
        np.testing.assert_array_equal(
            next(c for c in again.cases if c.name == "p0").inputs[name], value
        )


# --------------------------------------------------------------------------- drawn params


@pytest.mark.parametrize(
    ("task_id", "read"),
    [
        ("two_layer_net", lambda case: case.inits["net"]["reg"]),
        ("dropout", lambda case: case.params["drop_train"]["p"]),
        ("linear_svm", lambda case: case.params["reg"]),
    ],
)
def test_hidden_cases_draw_their_params_from_their_seed(
    task_id: str, read: Callable[[Case], float]
) -> None:
    # Parameters learned from the public cases (or another attempt) do not carry over.
    task = load_task(CODING / task_id)
    values = [
        read(next(c for c in build_cases(task, seed=seed, hidden=True) if c.name == "h0"))
        for seed in (1, 2, 3)
    ]
    assert all(isinstance(v, float) for v in values)
    assert len(set(values)) == 3
    again = next(c for c in build_cases(task, seed=1, hidden=True) if c.name == "h0")
    assert read(again) == values[0]  # the same attempt always sees the same numbers


def test_a_malformed_drawn_param_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "linear_svm"
    shutil.copytree(CODING / "linear_svm", folder)
    path = folder / "task.yaml"
    path.write_text(path.read_text().replace("{uniform: [0.5, 1.5]}", "{uniform: [1.5, 0.5]}"))
    with pytest.raises(TaskError, match="uniform needs"):
        load_task(folder)
