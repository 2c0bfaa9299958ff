"""Grade one submission: cases -> reference run + candidate run -> trusted checks -> GradeReport.

Every number that decides a verdict is computed here, in float64, from arrays the children sent
back. The reference runs in its own child (its results are cached per task version and seed);
the candidate's whole plan runs in one more child, so a submission costs at most two runs.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from sandbox import gradcheck
from sandbox.cases import (
    SIGNS,
    Array,
    Case,
    Keys,
    Plan,
    build_cases,
    candidate_plan,
    reference_plan,
    timed_steps,
)
from sandbox.errors import SandboxError
from sandbox.report import CheckResult, CheckStatus, GradeReport, Verdict
from sandbox.runners import Limits, Runner, RunOutcome, Termination
from sandbox.tasks import TaskError, TaskSpec, UnitKind, UnitSpec
from sandbox.wire import ErrorInfo, Job, Result

# A backward may take this long over the timing floor before it counts as "far slower" than the
# forward: CPU-time noise on tiny forwards must never flag an honest backward.
TIMING_FLOOR_SECONDS = 0.02
# A timed gradient call may cost this many times the reference's own call of the same unit (plus
# the floor). Measured on softmax_loss with 10^4 scores (thread CPU): vectorized 0.4-0.8 ms, a
# loop over the rows as CS231n's "naive" version 11-16 ms (20-35x), finite differences 0.6 s
# and more (>= 1000x). 100x flags the last and leaves honest loops a 3x margin.
REFERENCE_TIMING_RATIO = 100.0
# A layer's forward against the reference's forward: looser, since slow side work in a forward
# (a CS231n loop, or what the sandbox tests' contained attacks do: 75 ms, 377x) costs no
# credit, while numerical derivatives computed in the forward cost 2 forwards per input element
# (10^4 elements at the timing size: 10^4x).
REFERENCE_FORWARD_RATIO = 1000.0
# CPU a run may spend outside its timed steps (start-up, the small cases) before the timings it
# reported are distrusted: this multiple of what the reference's run spent there, plus seconds.
UNTIMED_CPU_FACTOR = 2.0
UNTIMED_CPU_SECONDS = 0.5
# Reported timings may exceed the run's measured CPU by this much (clock granularity) at most.
CPU_CLOCK_SLACK_SECONDS = 0.05
CACHE_ENTRIES = 32
REFUSED_IMPORT = "ForbiddenImportError"  # the harness's error type for an import it refuses


class ReferenceFailedError(TaskError, SandboxError):
    """The task's reference did not run cleanly or failed its own gradient check.

    A defect of the task (or the judge), never of the submission: it is a SandboxError so the
    service retries and then hands the submission to a human instead of scoring it.
    """


@dataclass(frozen=True)
class _Prepared:
    cases: list[Case]
    candidate: Plan
    reference: Result
    levels: Levels  # per (case, unit, wrt, probe): computed once, reused by every submission
    reference_cpu_seconds: float  # the reference run's whole CPU time, measured by the parent


_cache: OrderedDict[tuple[str, str, int, bool], _Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached reference result (tests, or after the bank changed on disk)."""
    with _cache_lock:
        _cache.clear()


def grade(
    task: TaskSpec,
    source: str,
    *,
    runner: Runner,
    seed: int,
    hidden: bool,
    limits: Limits | None = None,
) -> GradeReport:
    """Grade `source` on the task's public cases (and hidden ones when `hidden`)."""
    started = time.perf_counter()
    limits = limits or Limits()
    prepared = _prepare(task, runner=runner, seed=seed, hidden=hidden, limits=limits)
    plan = prepared.candidate
    outcome = runner.run(Job(source=source, arrays=plan.arrays, plan=plan.steps), limits)
    report = _judge(task, prepared, outcome, hidden=hidden)
    return _with_seconds(report, time.perf_counter() - started)


def _with_seconds(report: GradeReport, seconds: float) -> GradeReport:
    return GradeReport(**{**report.__dict__, "seconds": seconds})


# --------------------------------------------------------------------------- reference


def _prepare(
    task: TaskSpec, *, runner: Runner, seed: int, hidden: bool, limits: Limits
) -> _Prepared:
    key = (task.id, task.version, seed, hidden)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    cases = build_cases(task, seed=seed, hidden=hidden)
    ref_plan = reference_plan(task, cases)
    outcome = runner.run(
        Job(source=task.reference, arrays=ref_plan.arrays, plan=ref_plan.steps), limits
    )
    reference, levels = _checked_reference(task, cases, outcome)
    prepared = _Prepared(
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
                    p = _probe(task, case, unit, level, grad, wrt, i)
                    if not p.ok:
                        raise ReferenceFailedError(
                            f"{task.id}: the reference's gradient wrt {wrt} fails its own "
                            f"numerical check in case {case.name} (error {p.error:.2e} > "
                            f"{p.allowed:.2e}): fix the reference or move the inputs off kinks"
                        )
    return result, levels


Levels = dict[tuple[str, str, str, int], tuple[float, float, float]]


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


def _probe(
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


# --------------------------------------------------------------------------- verdicts


def _judge(
    task: TaskSpec, prepared: _Prepared, outcome: RunOutcome, *, hidden: bool
) -> GradeReport:
    def early(verdict: Verdict, message: str) -> GradeReport:
        return GradeReport(
            task_id=task.id,
            task_version=task.version,
            verdict=verdict,
            score=0.0,
            max_score=task.points,
            checks=[],
            message=message,
            hidden_ran=hidden,
            stdout=outcome.result.stdout if outcome.result is not None else "",
        )

    termination = outcome.termination
    if termination is Termination.TIMEOUT:
        return early(Verdict.TIMEOUT, "Your code ran out of time (CPU or wall-clock limit).")
    if termination is Termination.MEMORY_LIMIT:
        return early(Verdict.MEMORY_LIMIT, "Your code used more memory than allowed.")
    if termination is Termination.OUTPUT_LIMIT:
        return early(Verdict.OUTPUT_LIMIT, "Your code printed more output than allowed.")
    if outcome.protocol_error is not None:
        return early(Verdict.REJECTED, "Your code's process sent back something unreadable.")
    if termination is Termination.KILLED:
        return early(
            Verdict.ERROR,
            f"Your code crashed the Python process (signal {outcome.signal}).",
        )
    result = outcome.result
    if result is None:
        return early(
            Verdict.ERROR,
            "Your code ended the process before it finished (e.g. exit() or os._exit()).",
        )
    if result.status == "rejected":
        err = result.module_error
        return early(Verdict.REJECTED, _describe_load(err, rejected=True))
    if result.refusals:
        # A sandbox operation refused at run time (a socket, a process, a signal, ctypes) is
        # outside the rules whether or not the code caught the PermissionError: no marks.
        return early(Verdict.REJECTED, _describe_refusals(result.refusals))
    if result.status == "load_error":
        return early(Verdict.ERROR, _describe_load(result.module_error, rejected=False))

    checker = _Checker(task, prepared, result, cpu_seconds=outcome.cpu_seconds)
    checks = checker.run()
    score = sum(c.points for c in checks)
    scored = [c for c in checks if c.max_points > 0 or c.status is CheckStatus.FAILED]
    refusal = checker.refusal()
    message = _summary(checks)
    if refusal is not None:
        # Forbidden at run time what load time refuses, or not an array at all: the submission
        # is outside the rules, not merely wrong. Checks that passed keep their credit.
        verdict = Verdict.REJECTED
        message = f"Your code was refused: {refusal} {message}"
    elif all(c.passed for c in scored):
        verdict = Verdict.PASSED
    elif any(c.status is CheckStatus.ERROR for c in scored):
        verdict = Verdict.ERROR
    else:
        verdict = Verdict.FAILED
    return GradeReport(
        task_id=task.id,
        task_version=task.version,
        verdict=verdict,
        # Float sums of the shares must not turn full marks into 9.999999999999998.
        score=task.points if verdict is Verdict.PASSED else min(round(score, 9), task.points),
        max_score=task.points,
        checks=checks,
        message=message,
        hidden_ran=hidden,
        stdout=result.stdout,
    )


def _summary(checks: list[CheckResult]) -> str:
    scored = [c for c in checks if c.max_points > 0 or c.status is CheckStatus.FAILED]
    public_bad = [c for c in scored if not c.hidden and not c.passed]
    hidden = [c for c in scored if c.hidden]
    hidden_bad = sum(1 for c in hidden if not c.passed)
    parts = []
    if not public_bad and not hidden_bad:
        parts.append(f"All {len(scored)} checks passed.")
    else:
        public = len(scored) - len(hidden)
        parts.append(f"Public checks: {public - len(public_bad)}/{public} passed.")
        if public_bad:
            first = public_bad[0]
            parts.append(f"First problem ({first.case}, {first.name}): {first.message}")
    if hidden:
        parts.append(f"Hidden checks: {len(hidden) - hidden_bad}/{len(hidden)} passed.")
    warnings = sum(1 for c in checks if c.status is CheckStatus.WARNING and not c.hidden)
    if warnings:
        parts.append(f"{warnings} warning(s).")
    return " ".join(parts)


_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"Missing parentheses in call to '(print|exec)'"),
        "This looks like Python 2 code: write print(...) with parentheses (Python 3).",
    ),
    (
        re.compile(r"name '(xrange|unicode|basestring|raw_input)' is not defined"),
        "This is Python 2 code: use range/str/input (Python 3).",
    ),
    (
        re.compile(r"has no attribute '(float|int|bool|object|complex|str|long)'"),
        "np.float, np.int, np.bool and np.object were removed from NumPy: use the builtins "
        "float, int, bool, object (or np.float64, np.int64).",
    ),
    (
        re.compile(r"has no attribute '(asscalar|alltrue|sometrue|product|cumproduct|NaN|Inf)'"),
        "This NumPy function or alias was removed in NumPy 2: see the NumPy 2 migration guide.",
    ),
    (
        re.compile(r"only (length-1|0-dimensional|size-1) arrays can be converted"),
        "NumPy 2 no longer converts arrays with more than one element to a Python number: "
        "index the element you mean (e.g. int(a[0]) or a.item()).",
    ),
    (
        re.compile(
            r"takes \d+ positional arguments? but \d+ (were|was) given|"
            r"missing \d+ required positional argument|unexpected keyword argument"
        ),
        "Check the function's signature against the statement.",
    ),
    (
        re.compile(r"does not define "),
        "Define it at the top level of your module, spelled exactly as in the statement.",
    ),
    (
        re.compile(r"cannot unpack|not enough values to unpack|too many values to unpack"),
        "Check how many values each function returns (see the statement).",
    ),
]


def _hint(message: str) -> str:
    for pattern, hint in _HINTS:
        if pattern.search(message):
            return f" Hint: {hint}"
    return ""


def _where(err: ErrorInfo) -> str:
    # A SyntaxError's own message already ends with "(solution.py, line N)".
    if not err.line or "solution.py" in err.message:
        return ""
    return f" (solution.py, line {err.line})"


def _describe_refusals(refusals: list[str]) -> str:
    # The names are the audit events the harness refuses, never text the candidate shapes.
    names = ", ".join(refusals[:5]) + (", ..." if len(refusals) > 5 else "")
    return (
        f"Your code was refused: it attempted an operation the sandbox does not allow ({names}). "
        "Catching the error does not make it allowed: use only numpy and the listed modules."
    )


def _describe_load(err: ErrorInfo | None, *, rejected: bool) -> str:
    if err is None:
        return "Your code could not be loaded."
    head = "Your code was refused" if rejected else "Your code could not be loaded"
    return f"{head}: {err.type}: {err.message}{_where(err)}.{_hint(err.message)}"


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _RunClock:
    """How far the candidate's self-reported timings can be believed, from the parent's CPU."""

    trusted: bool  # False: the reports claim more CPU than the whole run used
    unaccounted: float  # CPU seconds no report explains, beyond the untimed allowance


def _run_clock(prepared: _Prepared, result: Result, cpu_seconds: float) -> _RunClock:
    """Cross-check the child's timings against the run's CPU time measured by the parent.

    Timings are taken inside the child, where candidate code runs too: it can replace
    time.thread_time or edit the harness's dict, so a numerical gradient can report 0 s. The
    run's total CPU (cgroup or wait4) comes from the trusted parent. An honest run spends outside
    its timed steps only its start-up and the small cases, which cost the reference's run about
    as much; CPU beyond a generous multiple of that was spent where the reports do not show, and
    is charged to the timed gradient calls. Reports that add up to more CPU than the run used
    are forged: then only the parent's figure counts. A runner without a CPU figure (0.0)
    leaves the reports as they are.
    """
    if cpu_seconds <= 0:
        return _RunClock(trusted=True, unaccounted=0.0)
    ref_untimed = max(
        0.0, prepared.reference_cpu_seconds - sum(prepared.reference.timings.values())
    )
    allowance = UNTIMED_CPU_FACTOR * ref_untimed + UNTIMED_CPU_SECONDS
    reported = sum(max(t, 0.0) for t in result.timings.values())
    trusted = reported <= cpu_seconds + CPU_CLOCK_SLACK_SECONDS
    explained = reported if trusted else 0.0
    return _RunClock(trusted, max(0.0, cpu_seconds - explained - allowance))


class _Checker:
    def __init__(
        self, task: TaskSpec, prepared: _Prepared, result: Result, *, cpu_seconds: float
    ) -> None:
        self.task = task
        self.clock = _run_clock(prepared, result, cpu_seconds)
        self.cases = prepared.cases
        self.calls = prepared.candidate.calls
        self.ref = prepared.reference
        self.levels = prepared.levels
        self.res = result
        self.checks: list[CheckResult] = []
        self.signatures = {_name_of(sig): sig for sig in task.functions}
        total = sum(
            c.weight * self._unit_weight(u) for c in self.cases if not c.timing for u in task.units
        )
        self.point_unit = task.points / total if total > 0 else 0.0

    def _unit_weight(self, unit: UnitSpec) -> float:
        s = self.task.scoring
        if unit.kind is UnitKind.OPTIMIZER:
            return unit.steps * (s.forward + s.state * len(unit.state))
        forwards = {
            UnitKind.LAYER: len(unit.outputs),
            UnitKind.FUNCTION: len(unit.outputs),
            UnitKind.LOSS: 1,
            UnitKind.MODEL: 1 + int(unit.scores),
        }[unit.kind]
        grads = len(unit.wrt) + len(unit.params)
        return s.forward * forwards + s.state * len(unit.state) + s.gradient * grads

    def run(self) -> list[CheckResult]:
        flagged: set[str] = set()
        for case in self.cases:
            for unit in self.task.units:
                if case.timing:
                    if self._timing(case, unit):
                        flagged.add(unit.id)
                elif unit.kind is UnitKind.OPTIMIZER:
                    self._optimizer(case, unit)
                else:
                    self._unit(case, unit)
        if flagged:
            self.checks = [self._uncredit(c) if c.unit in flagged else c for c in self.checks]
        return self.checks

    def refusal(self) -> str | None:
        """Describe the first forbidden import or non-array output of the run, if any.

        A wrong number of returned values or a wrong shape is an ordinary mistake (failed or
        error); a run-time import the allowlist refuses, or an output that is not a real-valued
        array or number, is a rejection as DESIGN.md section 6.6 lists it.
        """
        hidden = {c.name for c in self.cases if c.hidden}
        in_hidden = ""
        for key, err in self.res.errors.items():
            if err.type not in (REFUSED_IMPORT, "BadOutputType"):
                continue
            if key.partition("/")[0] not in hidden:
                return self._describe(key, err)
            # The message is the candidate's to shape (a module name built from a hidden input):
            # never show it for a hidden case.
            in_hidden = in_hidden or err.type
        if in_hidden:
            what = "a forbidden import" if in_hidden == REFUSED_IMPORT else "a non-array value"
            return f"on a hidden case your code made {what} (hidden cases are not detailed)."
        return None

    # ---- helpers
    def _error_of(self, *keys: str) -> ErrorInfo | None:
        for key in keys:
            err = self.res.errors.get(key)
            if err is not None:
                return err
        return None

    def _describe(self, key: str, err: ErrorInfo) -> str:
        fn = self.calls.get(key, "")
        if err.type == "Skipped":
            dep = err.message.removeprefix("depends on ").strip()
            dep_err = self.res.errors.get(dep)
            dep_fn = self.calls.get(dep, dep)
            if dep_err is not None and dep_err.type != "Skipped":
                return f"not run because {dep_fn} failed: " + self._describe(dep, dep_err)
            return f"not run because {dep_fn} failed"
        if err.type in ("BadReturn", "BadOutputType"):
            sig = self.signatures.get(_name_of(err.message.split(":")[0]), "")
            expected = f" Expected: {sig}." if sig else ""
            return f"{err.message.replace(key, _friendly(key))}.{expected}"
        if "/state/" in key and key in self.calls and err.type in ("KeyError", "AttributeError"):
            return f"{fn} did not store {err.message} in the dict it was given"
        if err.type == "PlanError":
            return f"{fn or key}: {err.message}"
        who = f"{fn} raised " if fn else ""
        return f"{who}{err.type}: {err.message}{_where(err)}.{_hint(err.message)}"

    def _add(
        self,
        case: Case,
        unit: UnitSpec,
        name: str,
        weight: float,
        status: CheckStatus,
        message: str = "",
        **extra: Any,
    ) -> None:
        max_points = self.point_unit * case.weight * weight
        points = max_points if status is CheckStatus.PASSED else 0.0
        self.checks.append(
            CheckResult(
                case=case.name,
                hidden=case.hidden,
                unit=unit.id,
                name=name,
                status=status,
                points=points,
                max_points=max_points,
                message=message,
                **extra,
            )
        )

    def _compare_output(
        self,
        case: Case,
        unit: UnitSpec,
        label: str,
        key: str,
        step: str,
        weight: float,
    ) -> None:
        err = self._error_of(step, key)
        if err is not None:
            failed_key = step if step in self.res.errors else key
            self._add(case, unit, label, weight, CheckStatus.ERROR, self._describe(failed_key, err))
            return
        if key not in self.res.outputs:
            self._add(case, unit, label, weight, CheckStatus.ERROR, f"{label}: no value came back")
            return
        tol = self.task.tolerances.forward
        cmp = gradcheck.compare(
            self.res.outputs[key], self.ref.outputs[key], rtol=tol.rtol, atol=tol.atol
        )
        self._add(
            case,
            unit,
            label,
            weight,
            CheckStatus.PASSED if cmp.ok else CheckStatus.FAILED,
            "" if cmp.ok else _mismatch(label, cmp, self.res.outputs[key]),
            max_error=cmp.rel_error,
            shape=cmp.actual_shape,
            expected_shape=cmp.expected_shape,
        )

    def _param_name(self, unit: UnitSpec, param: str) -> str:
        # The name the candidate's signature gives this argument (bn_param, not bn_train).
        sig = self.signatures.get(unit.forward or unit.call, "")
        names = [
            p.strip().split("=")[0] for p in sig.partition("(")[2].partition(")")[0].split(",")
        ]
        idx = unit.args.index(param) if param in unit.args else -1
        return names[idx] if 0 <= idx < len(names) and names[idx] else param

    # ---- layer, loss, model
    def _unit(self, case: Case, unit: UnitSpec) -> None:
        k = Keys(case.name, unit.id)
        s = self.task.scoring
        if unit.kind in (UnitKind.LAYER, UnitKind.FUNCTION):
            fwd_step, fn = k("fwd"), unit.forward or unit.call
            if len(self.task.units) > 1:
                fn = f"{fn} [{unit.id}]"
            for o in unit.outputs:
                self._compare_output(case, unit, f"{fn}: {o}", k.out(o), fwd_step, s.forward)
            bwd_step = k("bwd")
        else:
            fwd_step = bwd_step = k("call")
            fn = unit.call or f"{unit.model_class}.loss"
            self._compare_output(case, unit, f"{fn}: loss", k.out("loss"), fwd_step, s.forward)
            if unit.kind is UnitKind.MODEL and unit.scores:
                self._compare_output(
                    case, unit, f"{fn}(X): scores", k.out("scores"), k("scores"), s.forward
                )
        for state, (param, *path) in unit.state.items():
            label = f"{fn}: {self._param_name(unit, str(param))}{''.join(f'[{p!r}]' for p in path)}"
            self._compare_output(case, unit, label, k.state(state), k("state", state), s.state)
        for wrt in (*unit.wrt, *unit.params):
            self._gradient(case, unit, wrt, bwd_step)
        self._unmodified(case, unit)

    def _gradient(self, case: Case, unit: UnitSpec, wrt: str, step: str) -> None:
        k = Keys(case.name, unit.id)
        key = k.grad(wrt)
        label = f"gradient d{wrt}" if unit.kind is not UnitKind.MODEL else f"grads['{wrt}']"
        weight = self.task.scoring.gradient
        err = self._error_of(step, key)
        if err is not None:
            failed = step if step in self.res.errors else key
            self._add(case, unit, label, weight, CheckStatus.ERROR, self._describe(failed, err))
            return
        grad = self.res.outputs.get(key)
        if grad is None:
            self._add(case, unit, label, weight, CheckStatus.ERROR, f"{label}: no value came back")
            return
        tol = self.task.tolerances.gradient
        ref_grad = self.ref.outputs[key]
        cmp = gradcheck.compare(grad, ref_grad, rtol=tol.rtol, atol=tol.atol)
        extra: dict[str, Any] = {
            "max_error": cmp.rel_error,
            "shape": cmp.actual_shape,
            "expected_shape": cmp.expected_shape,
        }
        if cmp.reason in ("shape", "nonfinite"):
            msg = _mismatch(label, cmp, grad)
            self._add(case, unit, label, weight, CheckStatus.FAILED, msg, **extra)
            return
        details = {"analytic_rel_error": cmp.rel_error}
        problems = [] if cmp.ok else [_mismatch(label, cmp, grad)]
        worst_probe = 0.0
        for i in range(self.task.probes):
            level = self.levels[(case.name, unit.id, wrt, i)]
            p = _probe(self.task, case, unit, level, grad, wrt, i)
            worst_probe = max(worst_probe, p.error / max(p.allowed, 1e-300))
            if not p.ok and len(problems) < 2:
                problems.append(
                    f"the numerical gradient check disagrees (directional derivative off by "
                    f"{p.error:.1e}, allowed {p.allowed:.1e})"
                )
        details["probe_error_over_allowed"] = worst_probe
        problems += self._properties(case, unit, wrt, grad, details)
        status = CheckStatus.FAILED if problems else CheckStatus.PASSED
        msg = "; ".join(problems)
        self._add(case, unit, label, weight, status, msg, details=details, **extra)

    def _properties(
        self, case: Case, unit: UnitSpec, wrt: str, grad: Array, details: dict[str, float]
    ) -> list[str]:
        k = Keys(case.name, unit.id)
        problems = []
        g = np.asarray(grad, np.float64)
        if unit.kind is UnitKind.LAYER:
            fn = unit.backward
            tol = self.task.tolerances.gradient
            g2 = self._value(k.grad(wrt, "2"), k("bwd2"))
            if isinstance(g2, str):
                problems.append(f"with dout doubled, {g2}")
            else:
                cmp = gradcheck.compare(g2, 2.0 * g, rtol=tol.rtol, atol=tol.atol)
                details["linearity_rel_error"] = cmp.rel_error
                if not cmp.ok:
                    problems.append(
                        f"{fn} is not linear in dout: doubling dout does not double d{wrt}"
                    )
            g0 = self._value(k.grad(wrt, "0"), k("bwd0"))
            if isinstance(g0, str):
                problems.append(f"with a zero dout, {g0}")
            else:
                size = float(np.max(np.abs(g))) if g.size else 0.0
                zero_err = float(np.max(np.abs(g0))) if g0.size else 0.0
                details["zero_dout_max"] = zero_err
                if g0.shape != g.shape or not zero_err <= 1e-12 * max(size, 1.0):
                    problems.append(f"{fn} returns a non-zero d{wrt} for a zero dout")
            rep_step = k("bwdrep")
        else:
            fn = unit.call or f"{unit.model_class}.loss"
            rep_step = k("rep")
        rep = self._value(k.grad(wrt, "rep"), rep_step)
        if isinstance(rep, str):
            problems.append(f"on a repeated call, {rep}")
        elif not gradcheck.exactly_equal(rep, g):
            problems.append(f"calling {fn} a second time with the same inputs gives another d{wrt}")
        return problems

    def _value(self, key: str, step: str) -> Array | str:
        err = self._error_of(step, key)
        if err is not None:
            return self._describe(step if step in self.res.errors else key, err)
        value = self.res.outputs.get(key)
        return "no value came back" if value is None else value

    def _unmodified(self, case: Case, unit: UnitSpec) -> None:
        k = Keys(case.name, unit.id)
        named = [(n, k.after(n), case.inputs[n]) for n in unit.args if n in case.inputs]
        if unit.kind is UnitKind.LAYER:
            named += [(o, k("after-dout", o), case.douts[unit.id][o]) for o in unit.outputs]
        changed = [
            name
            for name, key, original in named
            if key in self.res.outputs
            and not gradcheck.exactly_equal(self.res.outputs[key], original)
        ]
        if changed:
            who = (
                f"{unit.forward}/{unit.backward}"
                if unit.kind is UnitKind.LAYER
                else unit.call or unit.model_class
            )
            msg = (
                f"{who} modified {', '.join(changed)} in place. The grader passes copies so it "
                "cost nothing here, but in a network this corrupts values other layers still use."
            )
            self._add(case, unit, "inputs unmodified", 0.0, CheckStatus.WARNING, msg)

    # ---- optimizer
    def _optimizer(self, case: Case, unit: UnitSpec) -> None:
        k = Keys(case.name, unit.id)
        s = self.task.scoring
        for step in range(unit.steps):
            sid = k("step", step)
            label = f"{unit.call} step {step + 1}: next_w"
            self._compare_output(case, unit, label, k.out(f"next_w@{step}"), sid, s.forward)
            for state in unit.state:
                label = f"{unit.call} step {step + 1}: config['{state}']"
                self._compare_output(case, unit, label, k.state(f"{state}@{step}"), sid, s.state)

    # ---- anti-cheat
    def _timing(self, case: Case, unit: UnitSpec) -> bool:
        """Check the timing case; True when the unit's gradient credit must be voided.

        Every unit that computes gradients is timed against the reference's own call of the same
        unit (and a layer's backward also against its own forward). An optimizer has no
        gradient credit to void, so its timing only warns.
        """
        light, heavy = timed_steps(case, unit)
        if not heavy:
            return False
        voids = unit.kind is not UnitKind.OPTIMIZER
        name = "update time" if unit.kind is UnitKind.OPTIMIZER else "backward time"
        bad = CheckStatus.FAILED if voids else CheckStatus.WARNING
        failed = next((sid for sid in (*light, *heavy) if sid in self.res.errors), None)
        if failed is not None:
            # Fixed text only: the timing case runs after the hidden cases, so an error message
            # (the candidate's to write) could carry hidden inputs kept in a global.
            fn = self.calls.get(failed, "a timed call")
            msg = f"the timing case (a large input) could not be checked: {fn} failed on it." + (
                " No gradient is credited without it." if voids else ""
            )
            self._add(case, unit, name, 0.0, bad, msg)
            return voids
        reported = [self.res.timings.get(sid) for sid in heavy]
        candidate = max(0.0, min((t for t in reported if t is not None), default=0.0))
        if not self.clock.trusted:
            candidate = 0.0
        charged = self.clock.unaccounted / len(heavy)
        from_parent = charged > candidate
        candidate = max(candidate, charged)
        details = {"candidate_seconds": candidate, "untimed_cpu_charged": charged}
        problems = []
        heavy_name = {
            UnitKind.LAYER: "the backward pass",
            UnitKind.OPTIMIZER: unit.call,
        }.get(unit.kind, f"{unit.call or unit.model_class + '.loss'} with labels")
        ref_times = [self.ref.timings.get(sid) for sid in heavy]
        if all(t is not None for t in ref_times):
            reference = min(t for t in ref_times if t is not None)
            ratio = candidate / max(reference, 1e-9)
            details |= {"reference_seconds": reference, "reference_ratio": ratio}
            if candidate > REFERENCE_TIMING_RATIO * reference + TIMING_FLOOR_SECONDS:
                problems.append(
                    f"{heavy_name} took {ratio:.0f}x the CPU time of the reference solution at "
                    f"a large size (allowed {REFERENCE_TIMING_RATIO:.0f}x)"
                )
        fwd_t = [t for t in (self.res.timings.get(sid) for sid in light) if t is not None]
        ref_fwd = [t for t in (self.ref.timings.get(sid) for sid in light) if t is not None]
        if fwd_t and ref_fwd and self.clock.trusted:
            # Numerical derivatives moved into the forward (kept in the cache for a quick
            # backward) make the forward the slow call: it meets the reference's forward too.
            forward, reference = min(fwd_t), min(ref_fwd)
            details |= {"reference_forward_seconds": reference}
            if forward > REFERENCE_FORWARD_RATIO * reference + TIMING_FLOOR_SECONDS:
                problems.append(
                    f"the forward pass took {forward / max(reference, 1e-9):.0f}x the CPU time "
                    f"of the reference's (allowed {REFERENCE_FORWARD_RATIO:.0f}x)"
                )
        if fwd_t and self.clock.trusted and not from_parent:
            forward = min(fwd_t)
            ratio = candidate / max(forward, 1e-9)
            details |= {"forward_seconds": forward, "backward_seconds": candidate, "ratio": ratio}
            if candidate > self.task.timing_ratio * forward + TIMING_FLOOR_SECONDS:
                problems.append(
                    f"{heavy_name} took {ratio:.0f}x the forward's CPU time at a large size "
                    f"(allowed {self.task.timing_ratio:.0f}x)"
                )
        if not problems:
            wrong = self._wrong_at_timing_size(case, unit)
            if wrong:
                msg = (
                    f"at the timing case's large size, {wrong} does not match the reference "
                    "although it does on the small cases: its speed there cannot vouch for the "
                    "gradients, so none is credited."
                )
                self._add(case, unit, name, 0.0, CheckStatus.FAILED, msg, details=details)
                return True
            self._add(case, unit, name, 0.0, CheckStatus.PASSED, details=details)
            return False
        source = (
            " (measured from the whole run's CPU time: the timings reported from inside the "
            "sandbox do not account for it)"
            if from_parent
            else ""
        )
        if voids:
            verdict = (
                ": this looks like numerical differentiation, so no gradient is credited. "
                "Compute the gradient analytically."
            )
        else:
            verdict = ": slower than expected (no credit depends on it)."
        msg = f"{'; '.join(problems)}{source}{verdict}"
        self._add(case, unit, name, 0.0, bad, msg, details=details)
        return voids

    def _wrong_at_timing_size(self, case: Case, unit: UnitSpec) -> str:
        """Name a gradient right on every small case but wrong on the timing case, if any."""
        k = Keys(case.name, unit.id)
        tol = self.task.tolerances.gradient
        for wrt in (*unit.wrt, *unit.params):
            label = f"gradient d{wrt}" if unit.kind is not UnitKind.MODEL else f"grads['{wrt}']"
            earlier = [c for c in self.checks if c.unit == unit.id and c.name == label]
            if not earlier or not all(c.status is CheckStatus.PASSED for c in earlier):
                continue  # already not credited: the small cases say what is wrong
            key = k.grad(wrt)
            got, want = self.res.outputs.get(key), self.ref.outputs.get(key)
            if want is None:
                continue  # a reference cached before timing results were kept
            if got is None or not gradcheck.compare(got, want, rtol=tol.rtol, atol=tol.atol).ok:
                return label
        return ""

    def _uncredit(self, check: CheckResult) -> CheckResult:
        if not (check.name.startswith("gradient") or check.name.startswith("grads[")):
            return check
        if check.status is not CheckStatus.PASSED:
            return check
        note = "not credited: the timing check on a large input failed (see 'backward time')"
        return CheckResult(
            **{**check.__dict__, "status": CheckStatus.FAILED, "points": 0.0, "message": note}
        )


def _friendly(key: str) -> str:
    # "p0/affine/grad/x" -> "dx", "p0/affine/out/out" -> "out": the names the statement uses.
    parts = key.split("/")
    if len(parts) < 4:
        return parts[-1]
    return f"d{parts[-1]}" if parts[2].startswith("grad") else parts[-1].split("@")[0]


def _name_of(signature: str) -> str:
    return signature.split("(")[0].strip()


def _mismatch(label: str, cmp: gradcheck.Comparison, value: Array) -> str:
    if cmp.reason == "shape":
        return f"{label} has shape {cmp.actual_shape}, expected {cmp.expected_shape}"
    if cmp.reason == "nonfinite":
        return f"{label} contains NaN or inf (first at index {cmp.worst_index})"
    where = f" at index {cmp.worst_index}" if cmp.worst_index else ""
    # float32 loses ~1e-7 relative: a right formula in the wrong precision still fails.
    single = " Your array is float32: compute in float64." if value.dtype == np.float32 else ""
    return (
        f"{label} is wrong: max abs error {cmp.max_abs_error:.2e}{where} "
        f"(relative to the largest entry: {cmp.rel_error:.2e}).{single}"
    )
