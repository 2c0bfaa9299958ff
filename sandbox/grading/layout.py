"""Which arrays each check of a task reads, laid out once per (task, seed) and reused.

The layout lists the checks in report order with their weights, where each compared value is
kept (by the plans' ``Keys``), and the reference's side of each kind of check already flattened
(``numerics.Expected``): per submission only the candidate's arrays are looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.grading import numerics
from sandbox.grading.cases import Case
from sandbox.grading.checks import Array
from sandbox.grading.messages import param_name
from sandbox.grading.plans import timed_trials
from sandbox.grading.reference import Prepared
from sandbox.grading.steps import Keys
from sandbox.grading.tasks import TaskSpec, UnitKind, UnitSpec


@dataclass(frozen=True)
class Slot:
    """One check in report order."""

    case: Case
    unit: UnitSpec
    name: str
    weight: float


@dataclass(frozen=True)
class Read:
    """Where one checked value is read: the output key, the step that made it, its names."""

    slot: int
    label: str  # the check's name, e.g. "gradient dx"
    name: str  # the value's name in messages, e.g. "dx"
    key: str
    step: str


@dataclass(frozen=True)
class Gradient(Read):
    function: str
    # (output key, step) of the property calls: doubled dout, zero dout (layers), a repeat
    doubled: tuple[str, str] | None
    zeroed: tuple[str, str] | None
    repeated: tuple[str, str]


@dataclass
class Layout:
    """Everything about the checks that does not depend on the submission."""

    slots: list[Slot] = field(default_factory=list)
    values: list[Read] = field(default_factory=list)
    grads: list[Gradient] = field(default_factory=list)
    # per (case, unit): its shapes check's slot and its values' places (True: a gradient)
    shapes: list[tuple[int, list[tuple[bool, int]]]] = field(default_factory=list)
    unmodified: list[tuple[int, str, list[tuple[str, str, Array]]]] = field(default_factory=list)
    timed: list[tuple[Case, UnitSpec, int]] = field(default_factory=list)
    expected_values: numerics.Expected | None = None
    expected_grads: numerics.Expected | None = None
    twice_grads: numerics.Expected | None = None  # for the doubled-dout calls

    def slot(self, case: Case, unit: UnitSpec, name: str, weight: float) -> int:
        self.slots.append(Slot(case, unit, name, weight))
        return len(self.slots) - 1


def layout(task: TaskSpec, prepared: Prepared) -> Layout:
    """The layout of a task's checks for one prepared reference (built once, then cached)."""
    cached = prepared.memo.get("layout")
    if isinstance(cached, Layout):
        return cached
    lay = Layout()
    for case in prepared.cases:
        for unit in task.units:
            if case.timing:
                if timed_trials(case, unit):
                    name = "update time" if unit.kind is UnitKind.OPTIMIZER else "backward time"
                    lay.timed.append((case, unit, lay.slot(case, unit, name, 0.0)))
                continue
            places = _lay_unit(task, lay, case, unit)
            lay.shapes.append((lay.slot(case, unit, "shapes", task.scoring.shape), places))
            _lay_unmodified(lay, case, unit)
    ref = prepared.reference.outputs
    tol = task.tolerances
    lay.expected_values = numerics.expect(
        [ref[r.key] for r in lay.values], rtol=tol.forward.rtol, atol=tol.forward.atol
    )
    lay.expected_grads = numerics.expect(
        [ref[g.key] for g in lay.grads], rtol=tol.gradient.rtol, atol=tol.gradient.atol
    )
    lay.twice_grads = numerics.expect(
        [2.0 * ref[g.key] for g in lay.grads], rtol=tol.gradient.rtol, atol=tol.gradient.atol
    )
    prepared.memo["layout"] = lay
    return lay


def _lay_unit(task: TaskSpec, lay: Layout, case: Case, unit: UnitSpec) -> list[tuple[bool, int]]:
    k, s = Keys(case.name, unit.id), task.scoring
    places: list[tuple[bool, int]] = []

    def value(label: str, name: str, key: str, step: str, weight: float) -> None:
        places.append((False, len(lay.values)))
        lay.values.append(Read(lay.slot(case, unit, label, weight), label, name, key, step))

    if unit.kind is UnitKind.OPTIMIZER:
        for n in range(unit.steps):
            sid, at = k("step", n), f" (step {n + 1})"
            value(
                f"{unit.call} step {n + 1}: next_w",
                "next_w" + at,
                k.out(f"next_w@{n}"),
                sid,
                s.forward,
            )
            for state in unit.state:
                label = f"{unit.call} step {n + 1}: config['{state}']"
                value(label, f"config['{state}']{at}", k.state(f"{state}@{n}"), sid, s.state)
        return places
    if unit.kind in (UnitKind.LAYER, UnitKind.FUNCTION):
        fn = unit.forward or unit.call
        if len(task.units) > 1:
            fn = f"{fn} [{unit.id}]"
        for o in unit.outputs:
            value(f"{fn}: {o}", o, k.out(o), k("fwd"), s.forward)
    else:
        fn = unit.call or f"{unit.model_class}.loss"
        value(f"{fn}: loss", "loss", k.out("loss"), k("call"), s.forward)
        if unit.kind is UnitKind.MODEL and unit.scores:
            value(f"{fn}(X): scores", "scores", k.out("scores"), k("scores"), s.forward)
    for state, (param, *path) in unit.state.items():
        name = param_name(task.functions, unit, str(param)) + "".join(f"[{p!r}]" for p in path)
        value(f"{fn}: {name}", name, k.state(state), k("state", state), s.state)
    layer = unit.kind is UnitKind.LAYER
    for wrt in (*unit.wrt, *unit.params):
        name = f"grads['{wrt}']" if unit.kind is UnitKind.MODEL else f"d{wrt}"
        label = name if unit.kind is UnitKind.MODEL else f"gradient {name}"
        places.append((True, len(lay.grads)))
        lay.grads.append(
            Gradient(
                slot=lay.slot(case, unit, label, s.gradient),
                label=label,
                name=name,
                key=k.grad(wrt),
                step=k("bwd") if layer else k("call"),
                function=unit.backward if layer else unit.call or f"{unit.model_class}.loss",
                doubled=(k.grad(wrt, "2"), k("bwd2")) if layer else None,
                zeroed=(k.grad(wrt, "0"), k("bwd0")) if layer else None,
                repeated=(k.grad(wrt, "rep"), k("bwdrep") if layer else k("rep")),
            )
        )
    return places


def _lay_unmodified(lay: Layout, case: Case, unit: UnitSpec) -> None:
    k = Keys(case.name, unit.id)
    named = [(n, k.after(n), case.inputs[n]) for n in unit.args if n in case.inputs]
    if unit.kind is UnitKind.LAYER:
        named += [(o, k("after-dout", o), case.douts[unit.id][o]) for o in unit.outputs]
    if unit.kind is UnitKind.OPTIMIZER:
        return
    who = (
        f"{unit.forward}/{unit.backward}"
        if unit.kind is UnitKind.LAYER
        else unit.call or unit.model_class
    )
    lay.unmodified.append((len(lay.slots), who, named))
