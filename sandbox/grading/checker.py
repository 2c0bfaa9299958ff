"""The checks of one candidate run against the reference's (to be split into checks/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sandbox.grading import numerics as gradcheck
from sandbox.grading.cases import Array, Case
from sandbox.grading.messages import friendly, hint, mismatch, name_of, where
from sandbox.grading.plans import Keys, timed_steps
from sandbox.grading.reference import Prepared, probe
from sandbox.grading.report import CheckResult, CheckStatus
from sandbox.grading.tasks import TaskSpec, UnitKind, UnitSpec
from sandbox.wire import ErrorInfo, Result

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
REFUSED_IMPORT = "ForbiddenImportError"  # the harness's error type for an import it refuses


@dataclass(frozen=True)
class _RunClock:
    """How far the candidate's self-reported timings can be believed, from the parent's CPU."""

    trusted: bool  # False: the reports claim more CPU than the whole run used
    unaccounted: float  # CPU seconds no report explains, beyond the untimed allowance


def _run_clock(prepared: Prepared, result: Result, cpu_seconds: float) -> _RunClock:
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


class Checker:
    def __init__(
        self, task: TaskSpec, prepared: Prepared, result: Result, *, cpu_seconds: float
    ) -> None:
        self.task = task
        self.clock = _run_clock(prepared, result, cpu_seconds)
        self.cases = prepared.cases
        self.calls = prepared.candidate.calls
        self.ref = prepared.reference
        self.levels = prepared.levels
        self.res = result
        self.checks: list[CheckResult] = []
        self.signatures = {name_of(sig): sig for sig in task.functions}
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
            sig = self.signatures.get(name_of(err.message.split(":")[0]), "")
            expected = f" Expected: {sig}." if sig else ""
            return f"{err.message.replace(key, friendly(key))}.{expected}"
        if "/state/" in key and key in self.calls and err.type in ("KeyError", "AttributeError"):
            return f"{fn} did not store {err.message} in the dict it was given"
        if err.type == "PlanError":
            return f"{fn or key}: {err.message}"
        who = f"{fn} raised " if fn else ""
        return f"{who}{err.type}: {err.message}{where(err)}.{hint(err.message)}"

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
            "" if cmp.ok else mismatch(label, cmp, self.res.outputs[key]),
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
            msg = mismatch(label, cmp, grad)
            self._add(case, unit, label, weight, CheckStatus.FAILED, msg, **extra)
            return
        details = {"analytic_rel_error": cmp.rel_error}
        problems = [] if cmp.ok else [mismatch(label, cmp, grad)]
        worst_probe = 0.0
        for i in range(self.task.probes):
            level = self.levels[(case.name, unit.id, wrt, i)]
            p = probe(self.task, case, unit, level, grad, wrt, i)
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
