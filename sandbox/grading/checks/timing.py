"""The anti-cheat timing check: gradient calls at a large size against the reference's and the
unit's own forward, with the child's self-reported CPU times cross-checked by the parent's.

Finite differences cost 2 forwards per input element: at >= 1e4 elements 1e3-1e5x an honest
backward, while vectorized code runs at 1-3x and CS231n-style loops at 20-35x.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sandbox.grading.checks import Outcome
from sandbox.grading.report import CheckStatus

# A call may take this long over its allowed ratio before it counts: CPU-time noise on tiny
# calls must never flag honest code.
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


@dataclass(frozen=True)
class RunClock:
    """How far the candidate's self-reported timings can be believed, from the parent's CPU."""

    trusted: bool  # False: the reports claim more CPU than the whole run used
    unaccounted: float  # CPU seconds no report explains, beyond the untimed allowance


def run_clock(
    *, cpu_seconds: float, reported: float, reference_cpu: float, reference_reported: float
) -> RunClock:
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
        return RunClock(trusted=True, unaccounted=0.0)
    allowance = UNTIMED_CPU_FACTOR * max(0.0, reference_cpu - reference_reported)
    trusted = reported <= cpu_seconds + CPU_CLOCK_SLACK_SECONDS
    explained = reported if trusted else 0.0
    return RunClock(trusted, max(0.0, cpu_seconds - explained - allowance - UNTIMED_CPU_SECONDS))


@dataclass(frozen=True)
class Trial:
    """CPU seconds of one timed trial: its light call (forward, scores) and its gradient call."""

    light: float | None  # None: the unit has no forward of its own
    heavy: float


def timing(
    candidate: Sequence[Trial],
    reference: Sequence[Trial],
    clock: RunClock,
    *,
    heavy_name: str,
    timing_ratio: float,
    voids: bool,
) -> Outcome:
    """Judge the trials' CPU times; a failure voids the unit's gradient credit when `voids`.

    Every trial computes its answer on inputs of its own, and the unit is judged by its cheapest
    trial as a whole (forward plus gradient call): cheap calls in one trial cannot hide a costly
    one in another, as the cheapest of each kind taken apart would.
    """
    best = min(candidate, key=lambda t: (t.light or 0.0) + t.heavy)
    light = best.light if clock.trusted else None
    heavy = best.heavy if clock.trusted else 0.0
    charged = clock.unaccounted / len(candidate)
    from_parent = charged > heavy
    heavy = max(heavy, charged)
    details = {"candidate_seconds": heavy, "untimed_cpu_charged": charged}
    problems = []
    ref_heavy = min(t.heavy for t in reference)
    ratio = heavy / max(ref_heavy, 1e-9)
    details |= {"reference_seconds": ref_heavy, "reference_ratio": ratio}
    if not clock.trusted:
        # No honest run reports more CPU than it used: the code rewrote its own clock. What the
        # parent measured cannot clear it either, since a cheap layer's finite differences fit
        # within the untimed allowance on a fast machine.
        problems.append(
            "the timings reported from inside the sandbox add up to more CPU time than the "
            "whole run used, so the code changed how it is timed"
        )
    if heavy > REFERENCE_TIMING_RATIO * ref_heavy + TIMING_FLOOR_SECONDS:
        problems.append(
            f"{heavy_name} took {ratio:.0f}x the CPU time of the reference solution at a large "
            f"size (allowed {REFERENCE_TIMING_RATIO:.0f}x)"
        )
    ref_lights = [t.light for t in reference if t.light is not None]
    if light is not None and ref_lights:
        # Numerical derivatives moved into the forward (kept in the cache for a quick
        # backward) make the forward the slow call: it meets the reference's forward too.
        ref_light = min(ref_lights)
        details |= {"forward_seconds": light, "reference_forward_seconds": ref_light}
        if light > REFERENCE_FORWARD_RATIO * ref_light + TIMING_FLOOR_SECONDS:
            problems.append(
                f"the forward pass took {light / max(ref_light, 1e-9):.0f}x the CPU time of "
                f"the reference's (allowed {REFERENCE_FORWARD_RATIO:.0f}x)"
            )
        if not from_parent:
            own = heavy / max(light, 1e-9)
            details |= {"backward_seconds": heavy, "ratio": own}
            if heavy > timing_ratio * light + TIMING_FLOOR_SECONDS:
                problems.append(
                    f"{heavy_name} took {own:.0f}x the forward's CPU time at a large size "
                    f"(allowed {timing_ratio:.0f}x)"
                )
    if not problems:
        return Outcome(CheckStatus.PASSED, details=details)
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
    status = CheckStatus.FAILED if voids else CheckStatus.WARNING
    return Outcome(status, f"{'; '.join(problems)}{source}{verdict}", details=details)


def failed_call(fn: str, *, voids: bool) -> Outcome:
    """A timed call raised: the timing case could not vouch for the gradients."""
    # Fixed text only: the timing case runs after the hidden cases, so an error message (the
    # candidate's to write) could carry hidden inputs kept in a global.
    msg = f"the timing case (a large input) could not be checked: {fn} failed on it." + (
        " No gradient is credited without it." if voids else ""
    )
    return Outcome(CheckStatus.FAILED if voids else CheckStatus.WARNING, msg)


def wrong_at_size(label: str, details: dict[str, float]) -> Outcome:
    """Fast at the large size, but not right there: the speed cannot vouch for the gradients."""
    return Outcome(
        CheckStatus.FAILED,
        f"at the timing case's large size, {label} does not match the reference although it "
        "does on the small cases: its speed there cannot vouch for the gradients, so none is "
        "credited.",
        details=details,
    )
