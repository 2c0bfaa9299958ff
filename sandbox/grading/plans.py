"""Call plans run in the child: what the candidate's and the reference's runs compute.

Two plans per grading: the candidate plan (forward, backward with a copy of ``dout``, the
property steps and the timed anti-cheat steps) and the reference plan (forward, backward and the
perturbed forwards of the numerical gradient check). ``Keys`` names every step and output, so
the checks find what the plans kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sandbox.grading.cases import SIGNS, Array, Case, perturbed
from sandbox.grading.tasks import TaskSpec, UnitKind, UnitSpec

Expr = dict[str, Any]
Step = dict[str, Any]

TIMED_FORWARDS = 3
TIMED_BACKWARDS = 2


@dataclass(frozen=True)
class Plan:
    """A call plan and the arrays it reads, plus which candidate function each step calls."""

    arrays: dict[str, Array]
    steps: list[Step]
    calls: dict[str, str]


class Keys:
    """Step ids and output names of one (case, unit); shared by the plan builders and the grader."""

    def __init__(self, case: str, unit: str) -> None:
        self.prefix = f"{case}/{unit}"

    def __call__(self, *parts: object) -> str:
        return "/".join((self.prefix, *(str(p) for p in parts)))

    def out(self, name: str) -> str:
        return self("out", name)

    def state(self, name: str) -> str:
        return self("state", name)

    def grad(self, wrt: str, variant: str = "") -> str:
        return self(f"grad{variant}", wrt)

    def after(self, name: str) -> str:
        return self("after", name)

    def probe(self, wrt: str, k: int, sign: str, name: str) -> str:
        return self("probe", wrt, k, sign, name)


# --------------------------------------------------------------------------- expressions


def param_expr(value: Any, case: Case) -> Expr:
    """Turn a literal param into a plan expression; {input: X} and {dim: D} are substituted."""
    return {"value": None} if value is None else _expr(value, case)


def _expr(value: Any, case: Case) -> Expr:
    if isinstance(value, dict):
        if set(value) == {"input"}:
            return {"array": case.array_name(str(value["input"]))}
        if set(value) == {"dim"}:
            return {"value": case.dims[str(value["dim"])]}
        return {"dict": {str(k): _expr(v, case) for k, v in value.items()}}
    if isinstance(value, list):
        return {"list": [_expr(v, case) for v in value]}
    return {"value": value}


def arg_expr(name: str, case: Case, overrides: Mapping[str, str] | None = None) -> Expr:
    """Expression of one forward argument: an input array (maybe replaced) or a fresh param."""
    if overrides and name in overrides:
        return {"array": overrides[name]}
    if name in case.inputs:
        return {"array": case.array_name(name)}
    return param_expr(case.params[name], case)


def _ref(step_id: str, *path: object) -> Expr:
    return {"ref": step_id, "path": list(path)}


def _grad_paths(unit: UnitSpec, offset: int = 0) -> dict[str, list[Any]]:
    # A backward with one gradient returns it bare (relu_backward -> dx), several as a tuple.
    if len(unit.wrt) == 1 and offset == 0:
        return {unit.wrt[0]: []}
    return {w: [offset + i] for i, w in enumerate(unit.wrt)}


# --------------------------------------------------------------------------- plans


class _Builder:
    def __init__(self, task: TaskSpec) -> None:
        self.task = task
        self.arrays: dict[str, Array] = {}
        self.steps: list[Step] = []
        self.calls: dict[str, str] = {}

    def add_inputs(self, case: Case) -> None:
        for name, value in case.inputs.items():
            self.arrays[case.array_name(name)] = value

    def array(self, name: str, value: Array) -> Expr:
        self.arrays[name] = value
        return {"array": name}

    def step(self, step: Step, calls: str = "") -> str:
        self.steps.append(step)
        if calls:
            self.calls[step["id"]] = calls
        return str(step["id"])

    def plan(self) -> Plan:
        return Plan(arrays=self.arrays, steps=self.steps, calls=self.calls)


def candidate_plan(task: TaskSpec, cases: list[Case]) -> Plan:
    """Build the candidate's plan: outputs, gradients, property steps and timed steps."""
    return _build_plan(
        task,
        cases,
        {
            UnitKind.LAYER: _layer_candidate,
            UnitKind.FUNCTION: _function,
            UnitKind.LOSS: _loss_candidate,
            UnitKind.OPTIMIZER: _optimizer,
            UnitKind.MODEL: _model_candidate,
        },
    )


def reference_plan(task: TaskSpec, cases: list[Case]) -> Plan:
    """Build the reference's plan: outputs, gradients, probes' perturbed forwards, timed steps.

    The timing case runs the same timed steps as the candidate's plan: the reference's own CPU
    time is the yardstick for units without a forward of their own to compare with (losses).
    """
    return _build_plan(
        task,
        cases,
        {
            UnitKind.LAYER: _layer_reference,
            UnitKind.FUNCTION: _function,
            UnitKind.LOSS: _loss_reference,
            UnitKind.OPTIMIZER: _optimizer,
            UnitKind.MODEL: _model_reference,
        },
    )


def _build_plan(
    task: TaskSpec,
    cases: list[Case],
    steps_for: Mapping[UnitKind, Callable[[_Builder, Case, UnitSpec], None]],
) -> Plan:
    b = _Builder(task)
    for case in cases:
        b.add_inputs(case)
        for unit in task.units:
            if case.timing:
                _timed(b, case, unit)
            else:
                steps_for[unit.kind](b, case, unit)
    return b.plan()


def _bound_args(b: _Builder, case: Case, unit: UnitSpec, k: Keys) -> list[Expr]:
    """Bind every argument once (let steps) so it can be read back after the calls."""
    args = []
    for name in unit.args:
        sid = b.step({"id": k("in", name), "let": arg_expr(name, case)})
        args.append(_ref(sid))
    return args


def _keep_state(b: _Builder, unit: UnitSpec, k: Keys, fn: str) -> None:
    for state, (source, *path) in unit.state.items():
        b.step({"id": k("state", state), "let": _ref(k("in", source), *path)}, fn)
        b.steps[-1]["keep"] = {k.state(state): []}


def _keep_after(b: _Builder, unit: UnitSpec, k: Keys, case: Case) -> None:
    for name in unit.args:
        if name in case.inputs:
            b.step(
                {"id": k("after", name), "let": _ref(k("in", name)), "keep": {k.after(name): []}}
            )


def _layer_candidate(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    args = _bound_args(b, case, unit, k)
    outs = list(unit.outputs)
    keep = {k.out(o): [i] for i, o in enumerate(outs)}
    fwd = b.step({"id": k("fwd"), "call": unit.forward, "args": args, "keep": keep}, unit.forward)
    cache = b.step({"id": k("cache"), "let": _ref(fwd, len(outs))}, unit.forward)
    _keep_state(b, unit, k, unit.forward)
    douts = case.douts[unit.id]
    dout_refs = []
    for o in outs:
        sid = b.step({"id": k("dout", o), "let": b.array(k("dout", o), douts[o])})
        dout_refs.append(_ref(sid))
    paths = _grad_paths(unit)

    def backward(variant: str, dargs: list[Expr]) -> None:
        keep_g = {k.grad(w, variant): p for w, p in paths.items()}
        b.step(
            {"id": k("bwd" + variant), "call": unit.backward, "args": [*dargs, _ref(cache)]}
            | {"keep": keep_g},
            unit.backward,
        )

    backward("", dout_refs)
    # Properties: linear in dout (2·dout), zero dout -> zero gradients, a repeated call agrees.
    backward("2", [b.array(k("dout2", o), 2.0 * douts[o]) for o in outs])
    backward("0", [b.array(k("dout0", o), np.zeros_like(douts[o])) for o in outs])
    backward("rep", [{"array": k("dout", o)} for o in outs])
    _keep_after(b, unit, k, case)
    for o in outs:
        b.step({"id": k("after-dout", o), "let": _ref(k("dout", o))})
        b.steps[-1]["keep"] = {k("after-dout", o): []}


def _layer_reference(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    outs = list(unit.outputs)
    args = _bound_args(b, case, unit, k)
    keep = {k.out(o): [i] for i, o in enumerate(outs)}
    fwd = b.step({"id": k("fwd"), "call": unit.forward, "args": args, "keep": keep})
    _keep_state(b, unit, k, unit.forward)
    douts = [b.array(k("dout", o), case.douts[unit.id][o]) for o in outs]
    keep_g = {k.grad(w): p for w, p in _grad_paths(unit).items()}
    b.step({"id": k("bwd"), "call": unit.backward, "args": [*douts, _ref(fwd, len(outs))]})
    b.steps[-1]["keep"] = keep_g
    for wrt, i, sign in _probes(b.task, unit.wrt):
        name = k("x", wrt, i, sign)
        b.arrays[name] = perturbed(case, wrt, i, sign, b.task.step, unit.id)
        pargs = [arg_expr(a, case, {wrt: name}) for a in unit.args]
        pkeep = {k.probe(wrt, i, sign, o): [j] for j, o in enumerate(outs)}
        b.step({"id": k("p", wrt, i, sign), "call": unit.forward, "args": pargs, "keep": pkeep})


def _function(b: _Builder, case: Case, unit: UnitSpec) -> None:
    """Forward only (e.g. batchnorm in test mode): outputs and state, no gradients."""
    k = Keys(case.name, unit.id)
    args = _bound_args(b, case, unit, k)
    if unit.returns == "value":
        keep: dict[str, list[int]] = {k.out(next(iter(unit.outputs))): []}
    else:
        keep = {k.out(o): [i] for i, o in enumerate(unit.outputs)}
    b.step({"id": k("fwd"), "call": unit.call, "args": args, "keep": keep}, unit.call)
    _keep_state(b, unit, k, unit.call)
    _keep_after(b, unit, k, case)


def _probes(task: TaskSpec, names: tuple[str, ...]) -> list[tuple[str, int, str]]:
    return [(w, i, s) for w in names for i in range(task.probes) for s in SIGNS]


def _loss_candidate(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    args = _bound_args(b, case, unit, k)
    paths = _grad_paths(unit, offset=1)
    keep = {k.out("loss"): [0]} | {k.grad(w): p for w, p in paths.items()}
    b.step({"id": k("call"), "call": unit.call, "args": args, "keep": keep}, unit.call)
    # The repeated call gets fresh copies: it must agree with the first one bit for bit.
    rep_args = [arg_expr(a, case) for a in unit.args]
    keep_rep = {k.out("loss") + "#rep": [0]} | {k.grad(w, "rep"): p for w, p in paths.items()}
    b.step({"id": k("rep"), "call": unit.call, "args": rep_args, "keep": keep_rep}, unit.call)
    _keep_after(b, unit, k, case)


def _loss_reference(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    args = [arg_expr(a, case) for a in unit.args]
    paths = _grad_paths(unit, offset=1)
    keep = {k.out("loss"): [0]} | {k.grad(w): p for w, p in paths.items()}
    b.step({"id": k("call"), "call": unit.call, "args": args, "keep": keep})
    for wrt, i, sign in _probes(b.task, unit.wrt):
        name = k("x", wrt, i, sign)
        b.arrays[name] = perturbed(case, wrt, i, sign, b.task.step, unit.id)
        pargs = [arg_expr(a, case, {wrt: name}) for a in unit.args]
        pkeep = {k.probe(wrt, i, sign, "loss"): [0]}
        b.step({"id": k("p", wrt, i, sign), "call": unit.call, "args": pargs, "keep": pkeep})


def _optimizer(b: _Builder, case: Case, unit: UnitSpec) -> None:
    """Chain `steps` updates, each fed the previous step's next_w and config (both sides)."""
    k = Keys(case.name, unit.id)
    w_name, dw_name, config_name = unit.args
    prev = ""
    for s in range(unit.steps):
        w = arg_expr(w_name, case) if not prev else _ref(prev, 0)
        config = arg_expr(config_name, case) if not prev else _ref(prev, 1)
        dw_key = f"{dw_name}@{s}" if dw_name in unit.per_step else dw_name
        dw = {"array": case.array_name(dw_key)}
        keep: dict[str, list[str | int]] = {k.out(f"next_w@{s}"): [0]}
        keep |= {k.state(f"{st}@{s}"): list(path) for st, path in unit.state.items()}
        prev = b.step(
            {"id": k("step", s), "call": unit.call, "args": [w, dw, config], "keep": keep},
            unit.call,
        )


def _model_setup(b: _Builder, case: Case, unit: UnitSpec, k: Keys) -> str:
    init = {name: param_expr(v, case) for name, v in unit.init.items()}
    model = b.step({"id": k("model"), "call": unit.model_class, "kwargs": init}, unit.model_class)
    for p in unit.params:
        b.step(_assign(model, p, {"array": case.array_name(p)}), unit.model_class)
    return model


def _assign(model: str, param: str, value: Expr, sid: str = "") -> Step:
    return {
        "id": sid or f"{model}/set/{param}",
        "assign": {"ref": model, "path": ["params", param]},
        "value": value,
    }


def _model_candidate(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    model = _model_setup(b, case, unit, k)
    loss = {"ref": model, "path": ["loss"]}
    args = [arg_expr(a, case) for a in unit.args]
    label = f"{unit.model_class}.loss"
    keep = {k.out("loss"): [0]} | {k.grad(p): [1, p] for p in unit.params}
    b.step({"id": k("call"), "call": loss, "args": args, "keep": keep}, label)
    if unit.scores:
        b.step(
            {"id": k("scores"), "call": loss, "args": args[:1], "keep": {k.out("scores"): []}},
            label,
        )
    keep_rep = {k.out("loss") + "#rep": [0]} | {k.grad(p, "rep"): [1, p] for p in unit.params}
    args = [arg_expr(a, case) for a in unit.args]
    b.step({"id": k("rep"), "call": loss, "args": args, "keep": keep_rep}, label)


def _model_reference(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    model = _model_setup(b, case, unit, k)
    loss = {"ref": model, "path": ["loss"]}
    args = [arg_expr(a, case) for a in unit.args]
    keep = {k.out("loss"): [0]} | {k.grad(p): [1, p] for p in unit.params}
    b.step({"id": k("call"), "call": loss, "args": args, "keep": keep})
    if unit.scores:
        b.step(
            {"id": k("scores"), "call": loss, "args": args[:1]} | {"keep": {k.out("scores"): []}}
        )
    for p in unit.params:
        for _, i, sign in _probes(b.task, (p,)):
            name = k("x", p, i, sign)
            b.arrays[name] = perturbed(case, p, i, sign, b.task.step, unit.id)
            b.step(_assign(model, p, {"array": name}, k("set", p, i, sign)))
            pkeep = {k.probe(p, i, sign, "loss"): [0]}
            b.step({"id": k("p", p, i, sign), "call": loss, "args": args, "keep": pkeep})
        # Restore p before the next parameter's probes: each probe moves one tensor only.
        b.step(_assign(model, p, {"array": case.array_name(p)}, k("reset", p)))


def timed_steps(case: Case, unit: UnitSpec) -> tuple[list[str], list[str]]:
    """Step ids of the (light, heavy) timed calls of a unit on the timing case.

    Heavy calls compute gradients (a layer's backward, a loss or model's loss with labels, an
    optimizer's update); light ones are a layer's forward or a model's scores. Function units
    compute no gradient and are not timed.
    """
    k = Keys(case.name, unit.id)
    if unit.kind is UnitKind.FUNCTION:
        return [], []
    has_forward = unit.kind is UnitKind.LAYER or (unit.kind is UnitKind.MODEL and unit.scores)
    light = [k("fwd", i) for i in range(TIMED_FORWARDS)] if has_forward else []
    return light, [k("bwd", i) for i in range(TIMED_BACKWARDS)]


def _timed(b: _Builder, case: Case, unit: UnitSpec) -> None:
    """Time the unit at a large size: finite differences in a gradient cost 1e4x.

    The first heavy call also keeps its gradients, so a submission cannot answer fast and wrong
    at the timing size while differentiating numerically on the small cases.
    """
    k = Keys(case.name, unit.id)
    light, heavy = timed_steps(case, unit)
    if unit.kind is UnitKind.LAYER:
        for sid in light:
            args = [arg_expr(a, case) for a in unit.args]
            b.step({"id": sid, "call": unit.forward, "args": args, "timed": True}, unit.forward)
        douts = [b.array(k("dout", o), case.douts[unit.id][o]) for o in unit.outputs]
        keep = {k.grad(w): p for w, p in _grad_paths(unit).items()}
        for i, sid in enumerate(heavy):
            cache = _ref(light[0], len(unit.outputs))
            step = {"id": sid, "call": unit.backward, "args": [*douts, cache], "timed": True}
            b.step(step | ({"keep": keep} if i == 0 else {}), unit.backward)
    elif unit.kind is UnitKind.LOSS:
        keep = {k.grad(w): p for w, p in _grad_paths(unit, offset=1).items()}
        for i, sid in enumerate(heavy):
            args = [arg_expr(a, case) for a in unit.args]
            step = {"id": sid, "call": unit.call, "args": args, "timed": True}
            b.step(step | ({"keep": keep} if i == 0 else {}), unit.call)
    elif unit.kind is UnitKind.OPTIMIZER:
        w_name, dw_name, config_name = unit.args
        dw_key = f"{dw_name}@0" if dw_name in unit.per_step else dw_name
        for sid in heavy:
            args = [
                arg_expr(w_name, case),
                {"array": case.array_name(dw_key)},
                arg_expr(config_name, case),
            ]
            b.step({"id": sid, "call": unit.call, "args": args, "timed": True}, unit.call)
    elif unit.kind is UnitKind.MODEL:
        model = _model_setup(b, case, unit, k)
        loss = {"ref": model, "path": ["loss"]}
        label = f"{unit.model_class}.loss"
        for sid in light:
            args = [arg_expr(unit.args[0], case)]
            b.step({"id": sid, "call": loss, "args": args, "timed": True}, label)
        keep = {k.grad(p): [1, p] for p in unit.params}
        for i, sid in enumerate(heavy):
            args = [arg_expr(a, case) for a in unit.args]
            step = {"id": sid, "call": loss, "args": args, "timed": True}
            b.step(step | ({"keep": keep} if i == 0 else {}), label)
