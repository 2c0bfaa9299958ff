"""The loader of question_bank/coding/<task_id>/task.yaml: parse, validate, hash the folder."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from sandbox.grading.cases import check_drawn
from sandbox.grading.fields import known_keys, name_list, read_text, required
from sandbox.grading.kinks import check_off_hinge, parse_kinks, parse_off_hinge
from sandbox.grading.mutants import StaleMutantError, load_mutants
from sandbox.grading.r_variant import load_r_variant
from sandbox.grading.tasks import (
    SKILLS,
    CaseSpec,
    Dim,
    InputSpec,
    Scoring,
    TaskError,
    TaskSpec,
    Tolerance,
    Tolerances,
    UnitKind,
    UnitSpec,
    eval_dim,
    resolve_dims,
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DTYPES = frozenset({"float64", "int64", "bool"})
_DISTS = frozenset({"normal", "uniform", "randint", "bernoulli"})
INPUT_KEYS = frozenset(
    {"shape", "dtype", "dist", "mean", "std", "low", "high", "p", "min_abs", "distinct",
     "off_hinge"}
)  # fmt: skip


class _Loader(yaml.SafeLoader):
    """YAML loader that also reads 1e-5 as a float (YAML 1.1 needs 1.0e-5; authors write 1e-5)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_tasks(root: Path | str) -> dict[str, TaskSpec]:
    """Load every task folder (one holding a task.yaml) under root, keyed by id."""
    tasks: dict[str, TaskSpec] = {}
    for yaml_path in sorted(Path(root).glob("*/task.yaml")):
        task = load_task(yaml_path.parent)
        if task.id in tasks:
            raise TaskError(f"{yaml_path}: duplicate task id {task.id!r}")
        tasks[task.id] = task
    return tasks


def load_task(directory: Path | str) -> TaskSpec:
    """Load and validate one task folder."""
    folder = Path(directory)
    try:
        raw = yaml.load((folder / "task.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise TaskError(f"{folder}: cannot read task.yaml: {exc}") from exc
    if not isinstance(raw, dict):
        raise TaskError(f"{folder}/task.yaml: expected a mapping at the top level")
    try:
        return _build(folder, raw)
    except StaleMutantError as exc:
        raise StaleMutantError(f"{folder.name}: {exc}") from exc
    except TaskError as exc:
        raise TaskError(f"{folder}/task.yaml: {exc}") from exc


def folder_version(folder: Path) -> str:
    """Hash every file of a task folder (names and bytes) into a short content version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _build(folder: Path, raw: dict[str, Any]) -> TaskSpec:
    known_keys(
        raw,
        "task",
        {
            "id", "title", "skills", "difficulty", "points", "explanation", "functions", "dims",
            "inputs", "params", "units", "cases", "tolerances", "scoring", "probes", "step",
            "timing_ratio", "kinks",
        },
    )  # fmt: skip
    task_id = required(raw, "id", str, "task")
    if not _ID.match(task_id) or task_id != folder.name:
        raise TaskError(f"id {task_id!r} must be snake_case and equal the folder name")
    skills = tuple(required(raw, "skills", list, "task"))
    if not skills or not set(skills) <= SKILLS:
        raise TaskError(f"skills must be a non-empty subset of {sorted(SKILLS)}")
    difficulty = required(raw, "difficulty", int, "task")
    if difficulty not in (1, 2, 3):
        raise TaskError("difficulty must be 1, 2 or 3")
    points = float(required(raw, "points", (int, float), "task"))
    if points <= 0:
        raise TaskError("points must be positive")
    dims = {str(k): str(v) for k, v in (raw.get("dims") or {}).items()}
    inputs = {
        name: _input(name, spec) for name, spec in required(raw, "inputs", dict, "task").items()
    }
    params = dict(raw.get("params") or {})
    units = tuple(_unit(u) for u in required(raw, "units", list, "task"))
    if len({u.id for u in units}) != len(units):
        raise TaskError("unit ids must be unique")
    cases_raw = required(raw, "cases", dict, "task")
    known_keys(cases_raw, "cases", {"public", "hidden", "timing"})
    public = tuple(_case(c, "public") for c in cases_raw.get("public") or [])
    hidden = tuple(_case(c, "hidden") for c in cases_raw.get("hidden") or [])
    if not public or not hidden:
        raise TaskError("cases need at least one public and one hidden case")
    if any(c.seed is None for c in public):
        raise TaskError("every public case needs a fixed seed")
    timing = _case(cases_raw["timing"], "timing") if "timing" in cases_raw else None
    reference = read_text(folder / "reference.py")
    task = TaskSpec(
        id=task_id,
        version=folder_version(folder),
        title=required(raw, "title", str, "task"),
        skills=skills,
        difficulty=difficulty,
        points=points,
        statement=read_text(folder / "statement.md"),
        starter=read_text(folder / "starter.py"),
        reference=reference,
        functions=tuple(str(f) for f in required(raw, "functions", list, "task")),
        dims=dims,
        inputs=inputs,
        params=params,
        units=units,
        public_cases=public,
        hidden_cases=hidden,
        timing_case=timing,
        tolerances=_tolerances(raw.get("tolerances") or {}),
        scoring=Scoring(
            **_floats(raw.get("scoring") or {}, {"forward", "state", "gradient", "shape"})
        ),
        probes=int(raw.get("probes", 2)),
        step=float(raw.get("step", 1e-5)),
        timing_ratio=float(raw.get("timing_ratio", 20.0)),
        explanation=str(raw.get("explanation", "")),
        mutants=load_mutants(folder, reference),
        fixtures=read_text(folder / "fixtures.py") if (folder / "fixtures.py").is_file() else "",
        kinks=parse_kinks(raw.get("kinks")),
        kinks_source=read_text(folder / "kinks.py") if "kinks" in raw else "",
        path=folder,
    )
    _validate(task)
    if (folder / "r").is_dir():
        task = replace(task, variants={"r": load_r_variant(task, folder / "r")})
    return task


def _validate(task: TaskSpec) -> None:
    if task.probes < 2:
        raise TaskError("probes must be at least 2 per input tensor")
    names = set(task.inputs) | set(task.params)
    for case in (*task.public_cases, *task.hidden_cases, *_opt(task.timing_case)):
        check_drawn({**task.params, **case.params}, "params")
    for unit in task.units:
        check_drawn(dict(unit.init), f"unit {unit.id}: init")
    for name in task.kinks.args if task.kinks else ():
        if name not in names:
            raise TaskError(f"kinks: {name!r} is neither an input nor a param")
    if set(task.inputs) & set(task.params):
        raise TaskError("an input and a param share a name")
    check_off_hinge(task)
    for unit in task.units:
        for name in (*unit.args, *unit.wrt, *unit.params, *unit.per_step):
            if name not in names:
                raise TaskError(f"unit {unit.id}: {name!r} is neither an input nor a param")
        for name in unit.wrt:
            if task.inputs[name].dtype != "float64":
                raise TaskError(f"unit {unit.id}: cannot differentiate wrt non-float {name!r}")
        for src, *_ in unit.state.values():
            if src not in task.params and unit.kind is not UnitKind.OPTIMIZER:
                raise TaskError(f"unit {unit.id}: state must be read from a param dict")
    if task.timing_case is not None and all(u.kind is UnitKind.FUNCTION for u in task.units):
        raise TaskError("a timing case needs a unit that computes gradients or updates")
    if task.timing_case is not None:
        # Finite differences in backward need ~2 forwards per input element: at >= 1e4 elements
        # they cost 1e4x an honest backward, far above any timing noise.
        low = {k: v if isinstance(v, int) else v[0] for k, v in task.timing_case.dims.items()}
        dims = resolve_dims(task, low)
        size = sum(math.prod(eval_dim(d, dims) for d in s.shape) for s in task.inputs.values())
        if size < 10_000:
            raise TaskError(f"the timing case has {size} input elements, needs >= 10000")
    # every case template must give every dimension the inputs use
    for case in (*task.public_cases, *task.hidden_cases, *_opt(task.timing_case)):
        low = {k: v if isinstance(v, int) else v[0] for k, v in case.dims.items()}
        resolved = resolve_dims(task, low)
        for spec in task.inputs.values():
            for d in spec.shape:
                if eval_dim(d, resolved) < 1:
                    raise TaskError(f"input {spec.name}: dimension {d!r} is not positive")


def _opt(case: CaseSpec | None) -> tuple[CaseSpec, ...]:
    return () if case is None else (case,)


def _floats(raw: Mapping[str, Any], allowed: set[str]) -> dict[str, float]:
    known_keys(raw, "scoring", allowed)
    return {k: float(v) for k, v in raw.items()}


def _tolerances(raw: Mapping[str, Any]) -> Tolerances:
    known_keys(raw, "tolerances", {"forward", "gradient", "probe"})
    default = Tolerances()
    parts: dict[str, Tolerance] = {}
    for key in ("forward", "gradient", "probe"):
        base: Tolerance = getattr(default, key)
        given = raw.get(key) or {}
        known_keys(given, f"tolerances.{key}", {"rtol", "atol"})
        parts[key] = Tolerance(
            rtol=float(given.get("rtol", base.rtol)), atol=float(given.get("atol", base.atol))
        )
    return Tolerances(**parts)


def _input(name: str, raw: Any) -> InputSpec:
    if not _NAME.match(name) or not isinstance(raw, dict):
        raise TaskError(f"input {name!r}: expected an identifier mapped to a spec")
    known_keys(raw, f"input {name}", {*INPUT_KEYS})
    shape = tuple(raw.get("shape") or ())
    dtype = str(raw.get("dtype", "float64"))
    default_dist = {"float64": "normal", "int64": "randint", "bool": "bernoulli"}.get(dtype, "")
    dist = str(raw.get("dist", default_dist))
    if dtype not in _DTYPES or dist not in _DISTS:
        raise TaskError(f"input {name}: dtype must be one of {sorted(_DTYPES)}, dist {_DISTS}")
    if (dtype == "int64") != (dist == "randint") or (dtype == "bool") != (dist == "bernoulli"):
        raise TaskError(f"input {name}: dist {dist} does not produce dtype {dtype}")
    for d in shape:
        if not isinstance(d, int | str) or isinstance(d, bool):
            raise TaskError(f"input {name}: bad dimension {d!r}")
    low, high = raw.get("low", 0.0), raw.get("high", 1.0)
    return InputSpec(
        name=name,
        shape=shape,
        dtype=dtype,
        dist=dist,
        mean=float(raw.get("mean", 0.0)),
        std=float(raw.get("std", 1.0)),
        low=low if isinstance(low, str) else float(low),
        high=high if isinstance(high, str) else float(high),
        p=float(raw.get("p", 0.5)),
        min_abs=float(raw.get("min_abs", 0.0)),
        distinct=float(raw.get("distinct", 0.0)),
        off_hinge=parse_off_hinge(raw.get("off_hinge"), name, dtype),
    )


def _unit(raw: Any) -> UnitSpec:
    if not isinstance(raw, dict):
        raise TaskError("each unit must be a mapping")
    uid = required(raw, "id", str, "unit")
    where = f"unit {uid}"
    known_keys(
        raw,
        where,
        {
            "id", "kind", "args", "wrt", "outputs", "forward", "backward", "call", "state",
            "steps", "per_step", "class", "init", "params", "scores", "returns",
        },
    )  # fmt: skip
    try:
        kind = UnitKind(required(raw, "kind", str, where))
    except ValueError as exc:
        raise TaskError(f"{where}: kind must be one of {[k.value for k in UnitKind]}") from exc
    state = {str(k): tuple(v) for k, v in (raw.get("state") or {}).items() if isinstance(v, list)}
    if len(state) != len(raw.get("state") or {}):
        raise TaskError(f"{where}: state entries map a name to a path list")
    unit = UnitSpec(
        id=uid,
        kind=kind,
        args=name_list(raw, "args", where),
        wrt=name_list(raw, "wrt", where),
        outputs=_outputs(raw.get("outputs"), kind, where),
        forward=str(raw.get("forward", "")),
        backward=str(raw.get("backward", "")),
        call=str(raw.get("call", "")),
        state=state,
        steps=int(raw.get("steps", 1)),
        per_step=name_list(raw, "per_step", where),
        model_class=str(raw.get("class", "")),
        init=dict(raw.get("init") or {}),
        params=name_list(raw, "params", where),
        scores=bool(raw.get("scores", False)),
        returns=str(raw.get("returns", "tuple")),
    )
    needed = {
        UnitKind.LAYER: ("forward", "backward"),
        UnitKind.FUNCTION: ("call",),
        UnitKind.LOSS: ("call",),
        UnitKind.OPTIMIZER: ("call",),
        UnitKind.MODEL: ("model_class",),
    }[kind]
    for attr in needed:
        if not _NAME.match(getattr(unit, attr)):
            raise TaskError(f"{where}: kind {kind} needs {attr.replace('model_', '')}")
    if kind in (UnitKind.LAYER, UnitKind.LOSS) and not unit.wrt:
        raise TaskError(f"{where}: kind {kind} needs wrt")
    if kind is UnitKind.FUNCTION and (unit.wrt or unit.returns not in ("tuple", "value")):
        raise TaskError(f"{where}: a function has no wrt; returns is 'tuple' or 'value'")
    if kind is UnitKind.FUNCTION and unit.returns == "value" and len(unit.outputs) != 1:
        raise TaskError(f"{where}: returns: value needs exactly one output")
    if kind is UnitKind.MODEL and not unit.params:
        raise TaskError(f"{where}: kind model needs params")
    if kind is UnitKind.OPTIMIZER and (unit.steps < 1 or len(unit.args) != 3):
        raise TaskError(f"{where}: an optimizer takes args [w, dw, config] and steps >= 1")
    return unit


def _outputs(raw: Any, kind: UnitKind, where: str) -> dict[str, tuple[Dim, ...]]:
    if kind not in (UnitKind.LAYER, UnitKind.FUNCTION):
        if raw:
            raise TaskError(f"{where}: only layer and function units declare outputs")
        return {}
    if not isinstance(raw, dict) or not raw:
        raise TaskError(f"{where}: declare outputs: {{name: shape}} (e.g. out: [N, M])")
    outputs: dict[str, tuple[Dim, ...]] = {}
    for name, shape in raw.items():
        if not isinstance(shape, list) or not all(
            isinstance(d, int | str) and not isinstance(d, bool) for d in shape
        ):
            raise TaskError(f"{where}: output {name} needs a shape list")
        outputs[str(name)] = tuple(shape)
    return outputs


def _case(raw: Any, where: str) -> CaseSpec:
    if not isinstance(raw, dict):
        raise TaskError(f"{where} case: expected a mapping")
    known_keys(raw, f"{where} case", {"dims", "seed", "params", "weight"})
    dims: dict[str, int | tuple[int, int]] = {}
    for name, value in (raw.get("dims") or {}).items():
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            dims[str(name)] = value
        elif (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) for v in value)
            and 1 <= value[0] <= value[1]
        ):
            dims[str(name)] = (value[0], value[1])
        else:
            raise TaskError(f"{where} case: dim {name} must be an int >= 1 or [low, high]")
    seed = raw.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise TaskError(f"{where} case: seed must be an int")
    return CaseSpec(
        dims=dims,
        seed=seed,
        params=dict(raw.get("params") or {}),
        weight=float(raw.get("weight", 1.0)),
    )
