"""Loading task folders and drawing cases: validation, versions, seeds and input constraints."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sandbox.grading.cases import TIMING_TRIALS, build_cases, draw_case
from sandbox.grading.loader import load_task, load_tasks
from sandbox.grading.plans import candidate_plan, reference_plan
from sandbox.grading.tasks import CaseSpec, TaskError, TaskSpec, eval_dim
from tests.sandbox.conftest import CODING, TASK_IDS


def _copy(tmp_path: Path, task_id: str = "affine") -> Path:
    target = tmp_path / task_id
    shutil.copytree(CODING / task_id, target)
    return target


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "task.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_bank_tasks_load_with_their_metadata(tasks: dict[str, TaskSpec]) -> None:
    assert set(tasks) == set(TASK_IDS)
    batchnorm = tasks["batchnorm"]
    assert batchnorm.difficulty == 3
    assert batchnorm.points == 15
    assert [u.kind for u in batchnorm.units] == ["layer", "function"]
    assert batchnorm.params["bn_train"]["eps"] == 1e-5
    assert "def batchnorm_forward" in batchnorm.reference
    assert "TODO" in batchnorm.starter
    assert len(batchnorm.mutants) >= 3
    for task in tasks.values():
        assert len(task.mutants) >= 3
        assert task.statement.startswith("# ")


def test_load_tasks_finds_every_folder_with_a_task_yaml(tmp_path: Path) -> None:
    for task_id in ("affine", "relu"):
        _copy(tmp_path, task_id)
    (tmp_path / "notes").mkdir()
    assert sorted(load_tasks(tmp_path)) == ["affine", "relu"]


def test_version_is_a_content_hash_of_the_folder(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    before = load_task(folder).version
    assert load_task(folder).version == before
    (folder / "statement.md").write_text("# Edited\n")
    assert load_task(folder).version != before


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("difficulty: 1", "difficulty: 4", "difficulty"),
        ("skills: [forward_pass", "skills: [cooking", "skills"),
        ("points: 10", "points: 10\npoints_total: 3", "unknown keys"),
        ("{seed: 11, dims", "{dims", "fixed seed"),
        ("D: D1 * D2", "D: D1 ** D2", "dimension expression"),
        ("wrt: [x, w, b]", "wrt: [x, w, q]", "neither an input nor a param"),
        ("kind: layer", "kind: lair", "kind must be one of"),
        ("outputs: {out: [N, M]}", "", "declare outputs"),
        ("D1: 16, D2: 10, M: 64", "D1: 1, D2: 1, M: 4", "10000"),
        ("id: affine", "id: Affine", "snake_case"),
    ],
)
def test_malformed_task_yaml_is_refused_with_a_reason(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    folder = _copy(tmp_path)
    _edit(folder, old, new)
    with pytest.raises(TaskError, match=complaint):
        load_task(folder)


def test_missing_reference_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "reference.py").unlink()
    with pytest.raises(TaskError, match=r"reference\.py"):
        load_task(folder)


def test_floats_in_exponent_form_are_floats(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "inputs:", "params:\n  eps_param: {eps: 1e-5, lr: 2E-3}\ninputs:")
    assert load_task(folder).params["eps_param"] == {"eps": 1e-5, "lr": 2e-3}


def test_dimension_expressions_evaluate_with_the_case_dims() -> None:
    dims = {"H": 7, "HH": 3, "P": 1, "S": 2}
    assert eval_dim("1 + (H + 2 * P - HH) // S", dims) == 4
    assert eval_dim(5, dims) == 5
    with pytest.raises(TaskError, match="not defined"):
        eval_dim("W + 1", dims)
    with pytest.raises(TaskError):
        eval_dim("__import__('os')", dims)


def test_public_cases_are_fixed_and_hidden_cases_follow_the_attempt_seed(
    tasks: dict[str, TaskSpec],
) -> None:
    task = tasks["affine"]
    a = build_cases(task, seed=1, hidden=True)
    b = build_cases(task, seed=1, hidden=True)
    c = build_cases(task, seed=2, hidden=True)
    for x, y in zip(a, b, strict=True):
        assert x.dims == y.dims
        for name in x.inputs:
            np.testing.assert_array_equal(x.inputs[name], y.inputs[name])
    public_a = [x for x in a if not x.hidden and not x.timing]
    public_c = [x for x in c if not x.hidden and not x.timing]
    np.testing.assert_array_equal(public_a[0].inputs["x"], public_c[0].inputs["x"])
    hidden_a = [x for x in a if x.hidden]
    hidden_c = [x for x in c if x.hidden]
    assert not np.array_equal(hidden_a[0].inputs["w"], hidden_c[0].inputs["w"])
    # fresh probe directions per attempt, even on public cases
    key = ("affine", "x")
    assert not np.allclose(public_a[0].directions[key][0], public_c[0].directions[key][0])


def test_ranged_dims_stay_in_range_and_shapes_follow(tasks: dict[str, TaskSpec]) -> None:
    task = tasks["affine"]
    for seed in range(20):
        for case in build_cases(task, seed=seed, hidden=True):
            if case.hidden and case.name == "h0":
                assert 2 <= case.dims["N"] <= 7
                assert 2 <= case.dims["M"] <= 8
            n, d1, d2 = case.inputs["x"].shape
            assert case.inputs["w"].shape == (d1 * d2, case.dims["M"])
            assert case.douts["affine"]["out"].shape == (n, case.dims["M"])


def test_inputs_respect_kinks_ties_labels_and_masks(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(
        folder,
        "  b: {shape: [M]}",
        "  b: {shape: [M]}\n"
        "  k: {shape: [N, M], min_abs: 0.5}\n"
        "  t: {shape: [N, M], distinct: 0.01, std: 0.001}\n"
        "  y: {shape: [N], dtype: int64, low: 0, high: M}\n"
        "  mask: {shape: [N, M], dtype: bool, p: 0.7}\n"
        "  u: {shape: [N], dist: uniform, low: 2, high: 3}",
    )
    task = load_task(folder)
    for seed in range(5):
        case = draw_case(task, CaseSpec(dims={"N": 30, "D1": 2, "D2": 2, "M": 9}), "c",
                         case_seed=seed, attempt_seed=0)  # fmt: skip
        assert np.min(np.abs(case.inputs["k"])) >= 0.5
        gaps = np.diff(np.sort(case.inputs["t"].ravel()))
        assert np.min(gaps) >= 0.01 - 1e-12
        assert case.inputs["y"].dtype == np.int64
        assert set(case.inputs["y"]) <= set(range(9))
        assert case.inputs["mask"].dtype == np.bool_
        assert 0.4 < case.inputs["mask"].mean() < 0.95
        assert np.all((case.inputs["u"] >= 2) & (case.inputs["u"] < 3))


def test_plans_keep_the_cache_in_the_child_and_pass_fresh_copies(
    tasks: dict[str, TaskSpec],
) -> None:
    task = tasks["affine"]
    cases = build_cases(task, seed=0, hidden=False)
    plan = candidate_plan(task, cases)
    steps = {s["id"]: s for s in plan.steps}
    # the cache never leaves the child: backward reads it from its forward's stored value
    assert steps["p0/affine/bwd"]["args"][-1] == {"ref": "p0/affine/fwd", "path": [1]}
    # the property steps: 2*dout, zeros, a repeated call, each on the cache of a fresh forward
    for variant in ("2", "0", "rep"):
        fwd = steps[f"p0/affine/fwd{variant}"]
        assert fwd["call"] == "affine_forward"
        assert "keep" not in fwd
        assert steps[f"p0/affine/bwd{variant}"]["args"][-1] == {"ref": fwd["id"], "path": [1]}
    np.testing.assert_array_equal(
        plan.arrays["p0/affine/dout2/out"], 2 * plan.arrays["p0/affine/dout/out"]
    )
    assert not plan.arrays["p0/affine/dout0/out"].any()
    assert {"p0/affine/bwd2", "p0/affine/bwd0", "p0/affine/bwdrep"} <= set(steps)
    timed = [s for s in plan.steps if s.get("timed")]
    assert len(timed) == 2 * TIMING_TRIALS  # a forward and a backward per trial
    # the reference plan: 2 probes x 2 signs per differentiated input, and the same timed steps
    # (the reference's own times are the yardstick of the candidate's)
    ref = reference_plan(task, cases)
    probes = [s for s in ref.steps if s["id"].startswith("p0/affine/p/")]
    assert len(probes) == 3 * 2 * 2
    assert [s["id"] for s in ref.steps if s.get("timed")] == [s["id"] for s in timed]
