"""Which checks run on one candidate run, fed from both runs' outputs, and what each is worth.

The checks themselves are the functions of ``checks``. This module lays out, once per (task,
seed), which arrays each check reads (by the plans' ``Keys``) with the reference's side already
flattened; per submission it looks the candidate's arrays up, decides each kind of check in one
batch (one numpy pass per kind, not one per array), and spreads the task's points by weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.grading import numerics
from sandbox.grading.cases import Case
from sandbox.grading.checks import Array, Got, Outcome, gradients, outputs, properties, timing
from sandbox.grading.messages import describe, name_of
from sandbox.grading.plans import Keys, timed_trials, trial_key
from sandbox.grading.reference import Prepared
from sandbox.grading.report import CheckResult, CheckStatus
from sandbox.grading.tasks import TaskSpec, UnitKind, UnitSpec
from sandbox.wire import Result

REFUSED_IMPORT = "ForbiddenImportError"  # the harness's error type for an import it refuses


@dataclass(frozen=True)
class _Slot:
    """One check in report order."""

    case: Case
    unit: UnitSpec
    name: str
    weight: float


@dataclass(frozen=True)
class _Read:
    """Where one checked value is read: the output key, the step that made it, its names."""

    slot: int
    label: str  # the check's name, e.g. "gradient dx"
    name: str  # the value's name in messages, e.g. "dx"
    key: str
    step: str


@dataclass(frozen=True)
class _Gradient(_Read):
    function: str
    # (output key, step) of the property calls: doubled dout, zero dout (layers), a repeat
    doubled: tuple[str, str] | None
    zeroed: tuple[str, str] | None
    repeated: tuple[str, str]


@dataclass
class _Layout:
    """Everything about the checks that does not depend on the submission."""

    slots: list[_Slot] = field(default_factory=list)
    values: list[_Read] = field(default_factory=list)
    grads: list[_Gradient] = field(default_factory=list)
    # per (case, unit): its shapes check's slot and its values' places (True: a gradient)
    shapes: list[tuple[int, list[tuple[bool, int]]]] = field(default_factory=list)
    unmodified: list[tuple[int, str, list[tuple[str, str, Array]]]] = field(default_factory=list)
    timed: list[tuple[Case, UnitSpec, int]] = field(default_factory=list)
    expected_values: numerics.Expected | None = None
    expected_grads: numerics.Expected | None = None
    twice_grads: numerics.Expected | None = None  # for the doubled-dout calls

    def slot(self, case: Case, unit: UnitSpec, name: str, weight: float) -> int:
        self.slots.append(_Slot(case, unit, name, weight))
        return len(self.slots) - 1


def _layout(task: TaskSpec, prepared: Prepared) -> _Layout:
    cached = prepared.memo.get("layout")
    if isinstance(cached, _Layout):
        return cached
    lay = _Layout()
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


def _lay_unit(task: TaskSpec, lay: _Layout, case: Case, unit: UnitSpec) -> list[tuple[bool, int]]:
    k, s = Keys(case.name, unit.id), task.scoring
    places: list[tuple[bool, int]] = []

    def value(label: str, name: str, key: str, step: str, weight: float) -> None:
        places.append((False, len(lay.values)))
        lay.values.append(_Read(lay.slot(case, unit, label, weight), label, name, key, step))

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
        name = _param_name(task, unit, str(param)) + "".join(f"[{p!r}]" for p in path)
        value(f"{fn}: {name}", name, k.state(state), k("state", state), s.state)
    layer = unit.kind is UnitKind.LAYER
    for wrt in (*unit.wrt, *unit.params):
        name = f"grads['{wrt}']" if unit.kind is UnitKind.MODEL else f"d{wrt}"
        label = name if unit.kind is UnitKind.MODEL else f"gradient {name}"
        places.append((True, len(lay.grads)))
        lay.grads.append(
            _Gradient(
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


def _lay_unmodified(lay: _Layout, case: Case, unit: UnitSpec) -> None:
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


def _param_name(task: TaskSpec, unit: UnitSpec, param: str) -> str:
    # The name the candidate's signature gives this argument (bn_param, not bn_train).
    sig = {name_of(s): s for s in task.functions}.get(unit.forward or unit.call, "")
    names = [p.strip().split("=")[0] for p in sig.partition("(")[2].partition(")")[0].split(",")]
    idx = unit.args.index(param) if param in unit.args else -1
    return names[idx] if 0 <= idx < len(names) and names[idx] else param


class _Run:
    """The candidate's run, read by key: a value, or the message saying why there is none."""

    def __init__(self, task: TaskSpec, prepared: Prepared, result: Result) -> None:
        self.result = result
        self.calls = prepared.candidate.calls
        self.signatures = {name_of(sig): sig for sig in task.functions}

    def got(self, key: str, step: str, label: str = "") -> Got:
        errors = self.result.errors
        if errors:
            for where in (step, key):
                err = errors.get(where)
                if err is not None:
                    return describe(
                        where, err, calls=self.calls, errors=errors, signatures=self.signatures
                    )
        value = self.result.outputs.get(key)
        if value is None:
            return f"{label}: no value came back" if label else "no value came back"
        return value


def run_checks(
    task: TaskSpec, prepared: Prepared, result: Result, *, cpu_seconds: float
) -> list[CheckResult]:
    """Run every check of one candidate run; return them in report order, with points."""
    lay = _layout(task, prepared)
    run = _Run(task, prepared, result)
    outcomes: list[Outcome | None] = [None] * len(lay.slots)
    tol = task.tolerances

    got_values = [run.got(r.key, r.step, r.label) for r in lay.values]
    assert lay.expected_values is not None
    assert lay.expected_grads is not None
    labels = [r.label for r in lay.values]
    decided = outputs.values(labels, got_values, lay.expected_values)
    for r, o in zip(lay.values, decided, strict=True):
        outcomes[r.slot] = o

    got_grads = [run.got(g.key, g.step, g.label) for g in lay.grads]
    found = _properties(run, lay, got_grads)
    decided = gradients.gradients(
        [g.label for g in lay.grads],
        got_grads,
        lay.expected_grads,
        prepared.probes,
        found,
        probe_rtol=tol.probe.rtol,
    )
    for g, o in zip(lay.grads, decided, strict=True):
        outcomes[g.slot] = o

    for slot, places in lay.shapes:
        reads = [(lay.grads[i] if grad else lay.values[i]) for grad, i in places]
        got = [(got_grads[i] if grad else got_values[i]) for grad, i in places]
        want = [prepared.reference.outputs[r.key] for r in reads]
        outcome = outputs.shapes([r.name for r in reads], got, want)
        values_right = all(_passed(outcomes[r.slot]) for r in reads)
        if outcome.status is CheckStatus.PASSED and not values_right:
            # Shapes earn credit with right values, not alone (a stub of zeros has them all).
            outcome = Outcome(CheckStatus.FAILED, "not credited: a value above is wrong")
        outcomes[slot] = outcome

    warnings = outputs.unmodified_all(
        [
            (who, [(n, result.outputs.get(key), orig) for n, key, orig in named])
            for _, who, named in lay.unmodified
        ]
    )
    extra: list[tuple[int, Outcome]] = [
        (at, w) for (at, _, _), w in zip(lay.unmodified, warnings, strict=True) if w is not None
    ]

    clock = timing.run_clock(
        cpu_seconds=cpu_seconds,
        reported=sum(max(t, 0.0) for t in result.timings.values()),
        reference_cpu=prepared.reference_cpu_seconds,
        reference_reported=sum(prepared.reference.timings.values()),
    )
    voided = set()
    for case, unit, slot in lay.timed:
        outcome = _timing(task, prepared, run, case, unit, clock, lay, outcomes)
        outcomes[slot] = outcome
        if outcome.status is CheckStatus.FAILED:
            voided.add(unit.id)
    return _scored(task, lay, outcomes, extra, voided)


def _properties(
    run: _Run, lay: _Layout, got: list[Got]
) -> list[list[tuple[str, properties.Found]]]:
    """Decide the properties of every gradient that came back, one batch per property."""
    linear: list[properties.Item | None] = [None] * len(lay.grads)
    zero, repeat = [], []
    for j, (g, value) in enumerate(zip(lay.grads, got, strict=True)):
        if isinstance(value, str):
            continue
        if g.doubled is not None and g.zeroed is not None:
            linear[j] = (g.function, g.name, value, run.got(*g.doubled))
            zero.append((j, (g.function, g.name, value, run.got(*g.zeroed))))
        repeat.append((j, (g.function, g.name, value, run.got(*g.repeated))))
    found: list[list[tuple[str, properties.Found]]] = [[] for _ in lay.grads]
    assert lay.twice_grads is not None
    for j, f in enumerate(properties.linear_in_dout(linear, lay.twice_grads)):
        if linear[j] is not None:
            found[j].append(("linearity_rel_error", f))
    for detail, queued, results in (
        ("zero_dout_max", zero, properties.zero_for_zero_dout([i for _, i in zero])),
        ("repeat", repeat, properties.repeatable([i for _, i in repeat])),
    ):
        for (j, _), f in zip(queued, results, strict=True):
            found[j].append((detail, f))
    return found


def _timing(
    task: TaskSpec,
    prepared: Prepared,
    run: _Run,
    case: Case,
    unit: UnitSpec,
    clock: timing.RunClock,
    lay: _Layout,
    outcomes: list[Outcome | None],
) -> Outcome:
    trials = timed_trials(case, unit)
    voids = unit.kind is not UnitKind.OPTIMIZER
    errors = run.result.errors
    failed = next((sid for trial in trials for sid in trial if sid in errors), None)
    if failed is not None:
        return timing.failed_call(run.calls.get(failed, "a timed call"), voids=voids)
    mine, ref = run.result.timings, prepared.reference.timings
    heavy_name = {
        UnitKind.LAYER: "the backward pass",
        UnitKind.OPTIMIZER: unit.call,
    }.get(unit.kind, f"{unit.call or unit.model_class + '.loss'} with labels")
    outcome = timing.timing(
        [timing.Trial(mine.get(lt) if lt else None, mine.get(ht, 0.0)) for lt, ht in trials],
        [timing.Trial(ref.get(lt) if lt else None, ref.get(ht, 0.0)) for lt, ht in trials],
        clock,
        heavy_name=heavy_name,
        timing_ratio=task.timing_ratio,
        voids=voids,
    )
    if outcome.status is CheckStatus.PASSED and voids:
        wrong = _wrong_at_timing_size(prepared, run, case, unit, len(trials), lay, outcomes)
        if wrong:
            return timing.wrong_at_size(wrong, outcome.details)
    return outcome


def _wrong_at_timing_size(
    prepared: Prepared,
    run: _Run,
    case: Case,
    unit: UnitSpec,
    trials: int,
    lay: _Layout,
    outcomes: list[Outcome | None],
) -> str:
    """Name a gradient right on every small case but wrong in a timing trial, if any."""
    k = Keys(case.name, unit.id)
    for wrt in (*unit.wrt, *unit.params):
        mine = [
            g for g in lay.grads if lay.slots[g.slot].unit is unit and g.key.endswith(f"/{wrt}")
        ]
        if not all(_passed(outcomes[g.slot]) for g in mine):
            continue  # already not credited: the small cases say what is wrong
        for key in (trial_key(k.grad(wrt), i) for i in range(trials)):
            value = run.result.outputs.get(key)
            want = prepared.reference.outputs[key]
            if value is None or not numerics.within(value, want, prepared.allowances[key]):
                return mine[0].label if mine else wrt
    return ""


def _scored(
    task: TaskSpec,
    lay: _Layout,
    outcomes: list[Outcome | None],
    extra: list[tuple[int, Outcome]],
    voided: set[str],
) -> list[CheckResult]:
    total = sum(s.weight * s.case.weight for s in lay.slots)
    per_weight = task.points / total if total > 0 else 0.0
    warnings = dict(extra)  # slot index -> the warning reported just before that slot
    out = []
    for i, (s, o) in enumerate(zip([*lay.slots, None], [*outcomes, None], strict=True)):
        if i in warnings:
            w = warnings[i]
            prev = lay.slots[i - 1]
            out.append(_result(prev.case, prev.unit, "inputs unmodified", w, 0.0))
        if s is None or o is None:
            continue
        if s.unit.id in voided and o.status is CheckStatus.PASSED and _is_gradient(s.name):
            o = Outcome(
                CheckStatus.FAILED,
                "not credited: the timing check on a large input failed (see 'backward time')",
                o.max_error, o.shape, o.expected_shape, o.details,
            )  # fmt: skip
        out.append(_result(s.case, s.unit, s.name, o, per_weight * s.case.weight * s.weight))
    return out


def _result(case: Case, unit: UnitSpec, name: str, o: Outcome, max_points: float) -> CheckResult:
    return CheckResult(
        case=case.name,
        hidden=case.hidden,
        unit=unit.id,
        name=name,
        status=o.status,
        points=max_points if o.status is CheckStatus.PASSED else 0.0,
        max_points=max_points,
        message=o.message,
        max_error=o.max_error,
        shape=o.shape,
        expected_shape=o.expected_shape,
        details=o.details,
    )


def _passed(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.status is CheckStatus.PASSED


def _is_gradient(name: str) -> bool:
    return name.startswith(("gradient", "grads["))


def refusal(task: TaskSpec, prepared: Prepared, result: Result) -> str | None:
    """Describe the first forbidden import or non-array output of the run, if any.

    A wrong number of returned values or a wrong shape is an ordinary mistake (failed or
    error); a run-time import the allowlist refuses, or an output that is not a real-valued
    array or number, is a rejection as DESIGN.md section 6.6 lists it.
    """
    hidden = {c.name for c in prepared.cases if c.hidden}
    in_hidden = ""
    for key, err in result.errors.items():
        if err.type not in (REFUSED_IMPORT, "BadOutputType"):
            continue
        if key.partition("/")[0] not in hidden:
            return describe(
                key,
                err,
                calls=prepared.candidate.calls,
                errors=result.errors,
                signatures={name_of(sig): sig for sig in task.functions},
            )
        # The message is the candidate's to shape (a module name built from a hidden input):
        # never show it for a hidden case.
        in_hidden = in_hidden or err.type
    if in_hidden:
        what = "a forbidden import" if in_hidden == REFUSED_IMPORT else "a non-array value"
        return f"on a hidden case your code made {what} (hidden cases are not detailed)."
    return None
