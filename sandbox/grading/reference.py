"""The reference's side of a grading: one run per (task version, seed), checked and cached.

The reference runs the same cases as the candidate in its own child; before any candidate is
graded against it, its gradients must pass its own numerical check (else ReferenceFailedError).
The numerical levels L(x +- h u) are computed once here and reused by every submission.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np

from sandbox.errors import SandboxError
from sandbox.grading import languages, numerics
from sandbox.grading.cases import SIGNS, Array, Case, build_cases, redraw
from sandbox.grading.plans import Plan, candidate_plan, kink_key, reference_plan
from sandbox.grading.steps import Keys
from sandbox.grading.tasks import (
    LANGUAGE_NAMES,
    LanguageVariant,
    TaskError,
    TaskSpec,
    UnitKind,
    UnitSpec,
)
from sandbox.runners import Limits, Runner, RunOutcome, Termination
from sandbox.wire import Job, Result

CACHE_ENTRIES = 32
# A case whose reference sits on a kink is drawn again, at most this many times, before the task
# itself is taken to be wrong.
MAX_REDRAWS = 8
# The timing case's distance to a kink must exceed this: far above round-off (a candidate
# computing in another order must land on the same side), far below a typical gap at 10^4 entries.
TIMING_KINK_MARGIN = 1e-9
_REFERENCE_LIMITS = frozenset(
    {Termination.TIMEOUT, Termination.MEMORY_LIMIT, Termination.OUTPUT_LIMIT}
)


class ReferenceFailedError(TaskError, SandboxError):
    """The task's reference did not run cleanly or failed its own gradient check.

    A defect of the task (or the judge), never of the submission: it is a SandboxError so the
    service retries and then hands the submission to a human instead of scoring it.
    """


@dataclass(frozen=True)
class Prepared:
    """What every submission of one (task version, seed, hidden) is graded against."""

    cases: list[Case]
    candidate: Plan
    reference: Result
    probes: numerics.ProbeTable  # every gradient's probes, in the checklist's order
    # output key -> allowed error around the reference's value, for the timing trials' arrays
    allowances: dict[str, Array]
    reference_cpu_seconds: float  # the reference run's whole CPU time, measured by the parent
    # what the checks derive from all this once and reuse (the checklist's layout)
    memo: dict[str, object] = field(default_factory=dict)
    # the language candidates graded against this answer in (its timings are that language's)
    language: str = "python"


_cache: OrderedDict[tuple[str, str, int, bool], Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached reference result (tests, or after the bank changed on disk)."""
    with _cache_lock:
        _cache.clear()
        _variant_cache.clear()


def prepare(
    task: TaskSpec,
    *,
    runner: Runner,
    seed: int,
    hidden: bool,
    limits: Limits,
    self_check: bool = True,
) -> Prepared:
    """Run the reference on the attempt's cases (cached), redrawing cases that sit on a kink.

    Without `self_check` (diagnosing a reference an author wrote), the first draw is kept even
    when the reference fails its own numerical check, so grading the reference against it
    reports which gradient is wrong; such a result is never cached.
    """
    key = (task.id, task.version, seed, hidden)
    with _cache_lock:
        if self_check and key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    cases = build_cases(task, seed=seed, hidden=hidden)
    for attempt in range(MAX_REDRAWS + 1):
        plan = reference_plan(task, cases)
        job = Job(source=task.reference_run_source, arrays=plan.arrays, plan=plan.steps)
        outcome = runner.run(job, limits)
        result = _clean(task, outcome)
        probes, owners = _probe_table(task, cases, result)
        if not self_check:
            break
        kinked = _near_kinks(task, cases, result) | _failing_self_check(task, probes, owners)
        if not kinked:
            break
        if attempt == MAX_REDRAWS:
            name, detail = next(iter(kinked.items()))
            raise ReferenceFailedError(
                f"{task.id}: case {name} sits on a kink or fails the reference's own numerical "
                f"check on {MAX_REDRAWS + 1} draws in a row ({detail}): fix the reference or "
                "the inputs"
            )
        cases = [redraw(task, c) if c.name in kinked else c for c in cases]
    prepared = Prepared(
        cases=cases,
        candidate=candidate_plan(task, cases),
        reference=result,
        probes=probes,
        allowances=_allowances(task, cases, result),
        reference_cpu_seconds=outcome.cpu_seconds,
    )
    if not self_check:
        return prepared
    with _cache_lock:
        _cache[key] = prepared
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return prepared


_variant_cache: OrderedDict[tuple[str, str, int, bool, str], Prepared] = OrderedDict()


def prepare_variant(
    task: TaskSpec,
    variant: LanguageVariant,
    prepared: Prepared,
    *,
    runner: Runner,
    seed: int,
    hidden: bool,
    limits: Limits,
    self_check: bool = True,
) -> Prepared:
    """`prepared` for candidates answering in another language (cached like `prepare`).

    The values every check compares with stay the Python reference's, on the same cases. What
    the language changes is the CPU yardstick of the timing check: the variant's reference runs
    the candidates' own plan, and its timings and CPU time replace Python's, so an R answer is
    timed against R. That run must be clean too (else ReferenceFailedError). Without
    `self_check` (diagnosing a reference) the Python yardstick is kept.
    """
    if variant.language == "python":
        return prepared
    if not self_check:
        return replace(prepared, language=variant.language)
    key = (task.id, task.version, seed, hidden, variant.language)
    with _cache_lock:
        cached = _variant_cache.get(key)
        if cached is not None and cached.cases is prepared.cases:
            _variant_cache.move_to_end(key)
            return cached
    job = languages.job(task, variant, variant.reference, prepared.candidate)
    outcome = languages.outcome(variant, runner.run(job, limits), prepared.reference.outputs)
    result = _clean(task, outcome, language=variant.language)
    timed = replace(prepared.reference, timings=result.timings)
    ready = replace(
        prepared,
        reference=timed,
        reference_cpu_seconds=outcome.cpu_seconds,
        language=variant.language,
    )
    with _cache_lock:
        _variant_cache[key] = ready
        while len(_variant_cache) > CACHE_ENTRIES:
            _variant_cache.popitem(last=False)
    return ready


def _clean(task: TaskSpec, outcome: RunOutcome, language: str = "python") -> Result:
    """The reference's result, if it ran cleanly; else the task or the sandbox failed."""
    result = outcome.result
    if outcome.termination in _REFERENCE_LIMITS:
        # The reference's own code hit a limit: a defect of the task, like any failure below.
        raise ReferenceFailedError(
            f"{task.id}: the {_which(language)} hit a limit of the sandbox "
            f"({outcome.termination.value})"
        )
    if outcome.termination is Termination.EXITED and result is not None and result.module_error:
        err = result.module_error
        raise ReferenceFailedError(
            f"{task.id}: the {_which(language)} could not be loaded ({result.status}): "
            f"{err.type}: {err.message}"
        )
    if outcome.termination is not Termination.EXITED or result is None or result.status != "ok":
        detail = result.module_error if result is not None else outcome.protocol_error
        raise SandboxError(
            f"{task.id}: the {_which(language)} run failed ({outcome.termination}, {detail}, "
            f"{outcome.stderr_tail[-500:]!r}); grading cannot proceed"
        )
    if result.errors:
        first = next(iter(result.errors.items()))
        raise ReferenceFailedError(
            f"{task.id}: the {_which(language)} failed at {first[0]}: {first[1].message}"
        )
    return result


def _which(language: str) -> str:
    return "reference" if language == "python" else f"{LANGUAGE_NAMES[language]} reference"


def _allowances(task: TaskSpec, cases: list[Case], result: Result) -> dict[str, Array]:
    # Computed once: the timing trials' gradients are large and checked on every submission.
    tol = task.tolerances.gradient
    timing = [c.name for c in cases if c.timing]
    return {
        key: numerics.allowance(value, rtol=tol.rtol, atol=tol.atol)
        for key, value in result.outputs.items()
        if key.partition("/")[0] in timing and "/grad@" in key
    }


def _probe_table(
    task: TaskSpec, cases: list[Case], result: Result
) -> tuple[numerics.ProbeTable, list[tuple[str, Array]]]:
    """Flatten every gradient's probes (reference side) in the order the checklist visits them."""
    entries = []
    owners = []
    for case in cases:
        if case.timing:
            continue
        for unit in task.units:
            k = Keys(case.name, unit.id)
            for wrt in (*unit.wrt, *unit.params):
                grad, direction = result.outputs[k.grad(wrt)], case.directions[(unit.id, wrt)][0]
                if np.size(grad) != np.size(direction):
                    raise ReferenceFailedError(
                        f"{task.id}: the reference's gradient d{wrt} ({unit.id}, case "
                        f"{case.name}) has shape {np.shape(grad)}, its input {np.shape(direction)}"
                    )
                levels = [_levels(case, unit, result, wrt, i) for i in range(task.probes)]
                entries.append(
                    (result.outputs[k.grad(wrt)], case.directions[(unit.id, wrt)], levels)
                )
                owners.append((case.name, result.outputs[k.grad(wrt)]))
    table = numerics.probe_table(entries, step=task.step, atol=task.tolerances.probe.atol)
    return table, owners


def _near_kinks(task: TaskSpec, cases: list[Case], result: Result) -> dict[str, str]:
    """Cases the task's kinks function finds too close to a non-differentiable point.

    The timing case (all its trials) only has to stay clear of round-off: it has no probes, and
    among its >= 10^4 entries some are always within the small cases' margin of a kink.
    """
    if task.kinks is None:
        return {}
    bad = {}
    for case in cases:
        margin = TIMING_KINK_MARGIN if case.timing else task.kinks.margin
        distance = min(float(result.outputs[kink_key(d)]) for d in case.trials or (case,))
        if not distance >= margin:  # NaN too
            bad[case.name] = f"an input {distance:.1e} from a kink, margin {margin:.0e}"
    return bad


def _failing_self_check(
    task: TaskSpec, probes: numerics.ProbeTable, owners: list[tuple[str, Array]]
) -> dict[str, str]:
    """Cases whose reference gradient fails its own probes: an input on (or by) a kink."""
    grads = [g for _, g in owners]
    ok, error, allowed = numerics.probe_all(probes, grads, rtol=task.tolerances.probe.rtol)
    bad: dict[str, str] = {}
    for j in np.flatnonzero(~ok.all(axis=0)):
        k = int(np.argmax(error[:, j] - allowed[:, j]))
        bad.setdefault(owners[j][0], f"error {error[k, j]:.2e} > {allowed[k, j]:.2e}")
    return bad


def _levels(case: Case, unit: UnitSpec, ref: Result, wrt: str, i: int) -> tuple[float, float]:
    """L(x + h u) and L(x - h u) of the reference along probe i."""
    k = Keys(case.name, unit.id)
    levels = []
    for sign in SIGNS:
        if unit.kind is UnitKind.LAYER:
            outs = [ref.outputs[k.probe(wrt, i, sign, o)] for o in unit.outputs]
            douts = [case.douts[unit.id][o] for o in unit.outputs]
            levels.append(numerics.upstream_scalar(outs, douts))
        else:
            levels.append(float(ref.outputs[k.probe(wrt, i, sign, "loss")]))
    return levels[0], levels[1]
