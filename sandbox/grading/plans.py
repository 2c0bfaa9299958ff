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
from sandbox.grading.steps import Expr, Keys, arg_expr, grad_paths, param_expr, ref
from sandbox.grading.tasks import TaskSpec, UnitKind, UnitSpec

Step = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """A call plan and the arrays it reads, plus which candidate function each step calls."""

    arrays: dict[str, Array]
    steps: list[Step]
    calls: dict[str, str]


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


def kink_key(case: Case) -> str:
    """Name the output holding a drawn case's distance to the task's kinks."""
    return f"{case.name}/kinks"


def reference_plan(task: TaskSpec, cases: list[Case]) -> Plan:
    """Build the reference's plan: outputs, gradients, probes' perturbed forwards, timed steps.

    The timing case runs the same timed steps as the candidate's plan: the reference's own CPU
    time is the yardstick for units without a forward of their own to compare with (losses).
    With a kinks function (from kinks.py, run in the same child), every drawn case (each timing
    trial too) also reports its distance to the task's kinks.
    """
    plan = _build_plan(
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
    if task.kinks is not None:
        kinks = task.kinks
        for case in cases:
            for drawn in case.trials or (case,):
                args = [arg_expr(a, drawn) for a in kinks.args]
                step = {"id": kink_key(drawn), "call": kinks.call, "args": args}
                plan.steps.append(step | {"keep": {kink_key(drawn): []}})
    return plan


def _build_plan(
    task: TaskSpec,
    cases: list[Case],
    steps_for: Mapping[UnitKind, Callable[[_Builder, Case, UnitSpec], None]],
) -> Plan:
    b = _Builder(task)
    for case in cases:
        for drawn in case.trials or (case,):
            b.add_inputs(drawn)
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
        args.append(ref(sid))
    return args


def _keep_state(b: _Builder, unit: UnitSpec, k: Keys, fn: str) -> None:
    for state, (source, *path) in unit.state.items():
        b.step({"id": k("state", state), "let": ref(k("in", source), *path)}, fn)
        b.steps[-1]["keep"] = {k.state(state): []}


def _keep_after(b: _Builder, unit: UnitSpec, k: Keys, case: Case) -> None:
    for name in unit.args:
        if name in case.inputs:
            b.step({"id": k("after", name), "let": ref(k("in", name)), "keep": {k.after(name): []}})


def _layer_candidate(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    args = _bound_args(b, case, unit, k)
    outs = list(unit.outputs)
    keep = {k.out(o): [i] for i, o in enumerate(outs)}
    fwd = b.step({"id": k("fwd"), "call": unit.forward, "args": args, "keep": keep}, unit.forward)
    _keep_state(b, unit, k, unit.forward)
    douts = case.douts[unit.id]
    dout_refs = []
    for o in outs:
        sid = b.step({"id": k("dout", o), "let": b.array(k("dout", o), douts[o])})
        dout_refs.append(ref(sid))
    paths = grad_paths(unit)

    def backward(variant: str, dargs: list[Expr]) -> None:
        # Every backward gets the cache of a forward of its own: a backward may consume its
        # cache (cache.pop()) as real course code does, and still earn every property's credit.
        forward = fwd
        if variant:
            fresh = [arg_expr(a, case) for a in unit.args]
            fresh_fwd: Step = {"id": k("fwd" + variant), "call": unit.forward, "args": fresh}
            forward = b.step(fresh_fwd, unit.forward)
        keep_g = {k.grad(w, variant): p for w, p in paths.items()}
        bwd: Step = {"id": k("bwd" + variant), "call": unit.backward, "keep": keep_g}
        b.step(bwd | {"args": [*dargs, ref(forward, len(outs))]}, unit.backward)

    backward("", dout_refs)
    # Properties: linear in dout (2·dout), zero dout -> zero gradients, a repeated call agrees.
    backward("2", [b.array(k("dout2", o), 2.0 * douts[o]) for o in outs])
    backward("0", [b.array(k("dout0", o), np.zeros_like(douts[o])) for o in outs])
    backward("rep", [{"array": k("dout", o)} for o in outs])
    _keep_after(b, unit, k, case)
    for o in outs:
        b.step({"id": k("after-dout", o), "let": ref(k("dout", o))})
        b.steps[-1]["keep"] = {k("after-dout", o): []}


def _layer_reference(b: _Builder, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    outs = list(unit.outputs)
    args = _bound_args(b, case, unit, k)
    keep = {k.out(o): [i] for i, o in enumerate(outs)}
    fwd = b.step({"id": k("fwd"), "call": unit.forward, "args": args, "keep": keep})
    _keep_state(b, unit, k, unit.forward)
    douts = [b.array(k("dout", o), case.douts[unit.id][o]) for o in outs]
    keep_g = {k.grad(w): p for w, p in grad_paths(unit).items()}
    b.step({"id": k("bwd"), "call": unit.backward, "args": [*douts, ref(fwd, len(outs))]})
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
    paths = grad_paths(unit, offset=1)
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
    paths = grad_paths(unit, offset=1)
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
        w = arg_expr(w_name, case) if not prev else ref(prev, 0)
        config = arg_expr(config_name, case) if not prev else ref(prev, 1)
        dw_key = f"{dw_name}@{s}" if dw_name in unit.per_step else dw_name
        dw = {"array": case.array_name(dw_key)}
        keep: dict[str, list[str | int]] = {k.out(f"next_w@{s}"): [0]}
        keep |= {k.state(f"{st}@{s}"): list(path) for st, path in unit.state.items()}
        prev = b.step(
            {"id": k("step", s), "call": unit.call, "args": [w, dw, config], "keep": keep},
            unit.call,
        )


def _model_setup(b: _Builder, case: Case, unit: UnitSpec, k: Keys, suffix: str = "") -> str:
    init = {name: param_expr(v, case) for name, v in case.inits[unit.id].items()}
    model_step = {"id": k("model" + suffix), "call": unit.model_class, "kwargs": init}
    model = b.step(model_step, unit.model_class)
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


def timed_trials(case: Case, unit: UnitSpec) -> list[tuple[str, str]]:
    """Step ids of the (light, heavy) timed calls of each trial of a unit on the timing case.

    Heavy calls compute gradients (a layer's backward, a loss or model's loss with labels, an
    optimizer's update); light ones are a layer's forward or a model's scores ("" when the unit
    has none). Function units compute no gradient and are not timed.
    """
    if unit.kind is UnitKind.FUNCTION:
        return []
    k = Keys(case.name, unit.id)
    has_forward = unit.kind is UnitKind.LAYER or (unit.kind is UnitKind.MODEL and unit.scores)
    return [(k("fwd", i) if has_forward else "", k("bwd", i)) for i in range(len(case.trials) or 1)]


def trial_key(key: str, trial: int) -> str:
    """Name what timing trial `trial` kept under `key` ("t/u/grad/x" -> "t/u/grad@1/x")."""
    head, _, name = key.rpartition("/")
    return f"{head}@{trial}/{name}"


def _timed(b: _Builder, case: Case, unit: UnitSpec) -> None:
    """Time the unit at a large size: finite differences in a gradient cost 1e4x.

    Every trial runs on inputs of its own and keeps its outputs and gradients, so each timed
    call must compute its own answer (a memo of an earlier call is wrong there) and a
    submission cannot answer fast and wrong at the timing size while differentiating
    numerically on the small cases.
    """
    k = Keys(case.name, unit.id)
    trials = timed_trials(case, unit)
    for i, ((light, heavy), trial) in enumerate(
        zip(trials, case.trials[: len(trials)], strict=True)
    ):
        args = [arg_expr(a, trial) for a in unit.args]
        if unit.kind is UnitKind.LAYER:
            outs = list(unit.outputs)
            keep = {trial_key(k.out(o), i): [j] for j, o in enumerate(outs)}
            step = {"id": light, "call": unit.forward, "args": args, "timed": True, "keep": keep}
            b.step(step, unit.forward)
            douts = [b.array(k("dout", o, i), trial.douts[unit.id][o]) for o in outs]
            keep = {trial_key(k.grad(w), i): p for w, p in grad_paths(unit).items()}
            step = {"id": heavy, "call": unit.backward, "timed": True, "keep": keep}
            b.step(step | {"args": [*douts, ref(light, len(outs))]}, unit.backward)
        elif unit.kind is UnitKind.LOSS:
            keep = {trial_key(k.out("loss"), i): [0]}
            keep |= {trial_key(k.grad(w), i): p for w, p in grad_paths(unit, offset=1).items()}
            step = {"id": heavy, "call": unit.call, "args": args, "timed": True, "keep": keep}
            b.step(step, unit.call)
        elif unit.kind is UnitKind.OPTIMIZER:
            w_name, dw_name, config_name = unit.args
            dw_key = f"{dw_name}@0" if dw_name in unit.per_step else dw_name
            args = [
                arg_expr(w_name, trial),
                {"array": trial.array_name(dw_key)},
                arg_expr(config_name, trial),
            ]
            b.step({"id": heavy, "call": unit.call, "args": args, "timed": True}, unit.call)
        elif unit.kind is UnitKind.MODEL:
            model = _model_setup(b, trial, unit, k, suffix=str(i))
            loss = {"ref": model, "path": ["loss"]}
            label = f"{unit.model_class}.loss"
            if light:
                step = {"id": light, "call": loss, "args": args[:1], "timed": True}
                b.step(step | {"keep": {trial_key(k.out("scores"), i): []}}, label)
            keep_m: dict[str, list[int | str]] = {trial_key(k.out("loss"), i): [0]}
            keep_m |= {trial_key(k.grad(p), i): [1, p] for p in unit.params}
            step = {"id": heavy, "call": loss, "args": args, "timed": True, "keep": keep_m}
            b.step(step, label)
