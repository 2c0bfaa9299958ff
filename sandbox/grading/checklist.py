"""Which checks run on one candidate run, fed from both runs' outputs, and what each is worth.

The checks themselves are the functions of ``checks``, and which arrays they read is laid out
once per (task, seed) in ``layout``. Per submission this looks the candidate's arrays up, decides
each kind of check in one batch (one numpy pass per kind, not one per array), and spreads the
task's points by weight.
"""

from __future__ import annotations

from sandbox.grading import numerics
from sandbox.grading.cases import Case
from sandbox.grading.checks import Got, Outcome, gradients, outputs, properties, timing
from sandbox.grading.layout import Layout, layout
from sandbox.grading.messages import describe, expectations
from sandbox.grading.plans import timed_trials, trial_key
from sandbox.grading.reference import Prepared
from sandbox.grading.report import CheckResult, CheckStatus
from sandbox.grading.steps import Keys
from sandbox.grading.tasks import SOURCE_FILES, TaskSpec, UnitKind, UnitSpec
from sandbox.wire import Result


class _Run:
    """The candidate's run, read by key: a value, or the message saying why there is none."""

    def __init__(self, task: TaskSpec, prepared: Prepared, result: Result) -> None:
        self.result = result
        self.calls = prepared.candidate.calls
        self.signatures = expectations(task.functions, prepared.language)
        self.source_file = SOURCE_FILES[prepared.language]

    def got(self, key: str, step: str, label: str = "") -> Got:
        errors = self.result.errors
        if errors:
            for where in (step, key):
                err = errors.get(where)
                if err is not None:
                    return describe(
                        where,
                        err,
                        calls=self.calls,
                        errors=errors,
                        signatures=self.signatures,
                        source_file=self.source_file,
                    )
        value = self.result.outputs.get(key)
        if value is None:
            return f"{label}: no value came back" if label else "no value came back"
        return value


def run_checks(
    task: TaskSpec, prepared: Prepared, result: Result, *, cpu_seconds: float
) -> list[CheckResult]:
    """Run every check of one candidate run; return them in report order, with points."""
    lay = layout(task, prepared)
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


def _properties(run: _Run, lay: Layout, got: list[Got]) -> list[list[tuple[str, properties.Found]]]:
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
    lay: Layout,
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
    lay: Layout,
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
    lay: Layout,
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
                o.max_error, o.shape, o.expected_shape, o.details, o.max_abs_error,
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
        max_abs_error=o.max_abs_error,
        shape=o.shape,
        expected_shape=o.expected_shape,
        details=o.details,
    )


def _passed(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.status is CheckStatus.PASSED


def _is_gradient(name: str) -> bool:
    return name.startswith(("gradient", "grads["))
