"""The reference's side of a grading: one run per (task version, seed), checked and cached.

The reference runs the same cases as the candidate in its own child; before any candidate is
graded against it, its gradients must pass its own numerical check (else ReferenceFailedError).
The numerical levels L(x +- h u) are computed once here and reused by every submission.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sandbox.errors import SandboxError
from sandbox.grading import numerics as gradcheck
from sandbox.grading.cases import SIGNS, Array, Case, build_cases
from sandbox.grading.plans import Keys, Plan, candidate_plan, reference_plan
from sandbox.grading.tasks import TaskError, TaskSpec, UnitKind, UnitSpec
from sandbox.runners import Limits, Runner, RunOutcome, Termination
from sandbox.wire import Job, Result

CACHE_ENTRIES = 32

Levels = dict[tuple[str, str, str, int], tuple[float, float, float]]


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
    levels: Levels  # per (case, unit, wrt, probe): computed once, reused by every submission
    reference_cpu_seconds: float  # the reference run's whole CPU time, measured by the parent


_cache: OrderedDict[tuple[str, str, int, bool], Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached reference result (tests, or after the bank changed on disk)."""
    with _cache_lock:
        _cache.clear()


# --------------------------------------------------------------------------- reference


def prepare(task: TaskSpec, *, runner: Runner, seed: int, hidden: bool, limits: Limits) -> Prepared:
    key = (task.id, task.version, seed, hidden)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    cases = build_cases(task, seed=seed, hidden=hidden)
    ref_plan = reference_plan(task, cases)
    outcome = runner.run(
        Job(source=task.program(task.reference), arrays=ref_plan.arrays, plan=ref_plan.steps),
        limits,
    )
    reference, levels = _checked_reference(task, cases, outcome)
    prepared = Prepared(
        cases=cases,
        candidate=candidate_plan(task, cases),
        reference=reference,
        levels=levels,
        reference_cpu_seconds=outcome.cpu_seconds,
    )
    with _cache_lock:
        _cache[key] = prepared
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return prepared


def _checked_reference(
    task: TaskSpec, cases: list[Case], outcome: RunOutcome
) -> tuple[Result, Levels]:
    """Accept the reference's run only if it ran cleanly and passes its own gradient check."""
    result = outcome.result
    if outcome.termination is not Termination.EXITED or result is None or result.status != "ok":
        detail = result.module_error if result is not None else outcome.protocol_error
        raise SandboxError(
            f"{task.id}: the reference run failed ({outcome.termination}, {detail}, "
            f"{outcome.stderr_tail[-500:]!r}); grading cannot proceed"
        )
    if result.errors:
        first = next(iter(result.errors.items()))
        raise ReferenceFailedError(
            f"{task.id}: the reference failed at {first[0]}: {first[1].message}"
        )
    levels: Levels = {}
    for case in cases:
        if case.timing:
            continue
        for unit in task.units:
            k = Keys(case.name, unit.id)
            for wrt in (*unit.wrt, *unit.params):
                grad = result.outputs[k.grad(wrt)]
                for i in range(task.probes):
                    level = _levels(case, unit, result, wrt, i)
                    levels[(case.name, unit.id, wrt, i)] = level
                    p = probe(task, case, unit, level, grad, wrt, i)
                    if not p.ok:
                        raise ReferenceFailedError(
                            f"{task.id}: the reference's gradient wrt {wrt} fails its own "
                            f"numerical check in case {case.name} (error {p.error:.2e} > "
                            f"{p.allowed:.2e}): fix the reference or move the inputs off kinks"
                        )
    return result, levels


def _levels(
    case: Case, unit: UnitSpec, ref: Result, wrt: str, i: int
) -> tuple[float, float, float]:
    """L(x + h u), L(x - h u) of the reference along probe i, and the reference gradient's norm."""
    k = Keys(case.name, unit.id)
    levels = []
    for sign in SIGNS:
        if unit.kind is UnitKind.LAYER:
            outs = [ref.outputs[k.probe(wrt, i, sign, o)] for o in unit.outputs]
            douts = [case.douts[unit.id][o] for o in unit.outputs]
            levels.append(gradcheck.upstream_scalar(outs, douts))
        else:
            levels.append(float(ref.outputs[k.probe(wrt, i, sign, "loss")]))
    return levels[0], levels[1], float(np.linalg.norm(ref.outputs[k.grad(wrt)]))


def probe(
    task: TaskSpec,
    case: Case,
    unit: UnitSpec,
    levels: tuple[float, float, float],
    grad: Array,
    wrt: str,
    i: int,
) -> gradcheck.ProbeResult:
    tol = task.tolerances.probe
    return gradcheck.probe(
        grad,
        case.directions[(unit.id, wrt)][i],
        l_plus=levels[0],
        l_minus=levels[1],
        step=task.step,
        rtol=tol.rtol,
        atol=tol.atol,
        grad_norm=levels[2],
    )
