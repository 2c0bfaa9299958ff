"""The gradient check: the analytic value against the reference's, every numerical probe of the
reference's forward, and the backward's properties; credit only when all of them hold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sandbox.grading import numerics
from sandbox.grading.checks import Got, Outcome
from sandbox.grading.checks.outputs import judged
from sandbox.grading.checks.properties import Found
from sandbox.grading.messages import mismatch
from sandbox.grading.report import CheckStatus

# A value mismatch and failed probes are spelled out up to this many (properties always).
MAX_PROBLEMS = 2


def gradients(
    labels: Sequence[str],
    got: Sequence[Got],
    expected: numerics.Expected,
    probes: numerics.ProbeTable,
    properties: Sequence[Sequence[tuple[str, Found]]],
    *,
    probe_rtol: float,
) -> list[Outcome]:
    """Check each gradient (in the order of `probes`); `properties` are their findings.

    A gradient with the wrong shape (beyond dims of size 1) or NaN/inf fails without the rest;
    otherwise every failed part is named, at most MAX_PROBLEMS of them.
    """
    arrays = [None if isinstance(g, str) else g for g in got]
    cmps = numerics.compare_expected(expected, arrays)
    ok, error, allowed = numerics.probe_all(probes, arrays, rtol=probe_rtol)
    all_ok = [bool(x) for x in np.all(ok, axis=0).reshape(-1)]
    with np.errstate(all="ignore"):
        worst = (error / np.maximum(allowed, 1e-300)).max(axis=0, initial=0.0).tolist()
    out: list[Outcome] = []
    for i, (value, cmp) in enumerate(zip(got, cmps, strict=True)):
        if isinstance(value, str) or cmp is None:
            out.append(Outcome(CheckStatus.ERROR, str(value)))
            continue
        if cmp.reason in ("shape", "nonfinite"):
            out.append(judged(labels[i], cmp, value))
            continue
        details = {"analytic_rel_error": cmp.rel_error}
        problems = [] if cmp.ok else [mismatch(labels[i], cmp, value)]
        details["probe_error_over_allowed"] = worst[i]
        for k in [] if all_ok[i] else np.flatnonzero(~ok[:, i]).tolist():
            if len(problems) >= MAX_PROBLEMS:
                break
            problems.append(
                f"the numerical gradient check disagrees (directional derivative off by "
                f"{error[k, i]:.1e}, allowed {allowed[k, i]:.1e})"
            )
        for detail, (problem, measured) in properties[i]:
            if measured is not None:
                details[detail] = measured
            # Linearity is measured against twice the reference: it speaks only for a gradient
            # that matches the reference (a wrong one already fails, with its own message).
            if problem is not None and (cmp.ok or detail != "linearity_rel_error"):
                problems.append(problem)
        out.append(
            Outcome(
                CheckStatus.FAILED if problems else CheckStatus.PASSED,
                "; ".join(problems),
                max_error=cmp.rel_error,
                max_abs_error=cmp.max_abs_error,
                shape=cmp.actual_shape,
                expected_shape=cmp.expected_shape,
                details=details,
            )
        )
    return out
