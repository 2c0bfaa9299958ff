"""Grade one submission: cases -> reference run + candidate run -> trusted checks -> GradeReport.

Every number that decides a verdict is computed in this process, in float64, from arrays the
children sent back. The reference runs in its own child (its results are cached per task version
and seed); the candidate's whole plan runs in one more child, so a submission costs at most two
runs.
"""

from __future__ import annotations

import time

from sandbox.grading import languages
from sandbox.grading.checklist import run_checks
from sandbox.grading.messages import describe, describe_load, describe_refusals, expectations
from sandbox.grading.reference import Prepared, prepare, prepare_variant
from sandbox.grading.report import CheckResult, CheckStatus, GradeReport, Verdict
from sandbox.grading.tasks import LANGUAGE_NAMES, SOURCE_FILES, TaskSpec
from sandbox.runners import Limits, Runner, RunOutcome, Termination
from sandbox.wire import Result

REFUSED_IMPORT = "ForbiddenImportError"  # the harness's error type for an import it refuses


def grade(
    task: TaskSpec,
    source: str,
    *,
    runner: Runner,
    seed: int,
    hidden: bool,
    limits: Limits | None = None,
    self_check: bool = True,
    language: str = "python",
) -> GradeReport:
    """Grade `source`, written in `language`, on the task's public cases (and hidden ones when
    `hidden`). Every language is checked against the same cases, values and tolerances; a
    language the task does not offer raises ValueError.

    `self_check=False` grades against a reference that failed its own numerical check (see
    `prepare`): only to show an author what is wrong with a reference, never to score.
    """
    started = time.perf_counter()
    variant = task.variant(language)
    limits = limits or Limits()
    prepared = prepare(
        task, runner=runner, seed=seed, hidden=hidden, limits=limits, self_check=self_check
    )
    prepared = prepare_variant(
        task,
        variant,
        prepared,
        runner=runner,
        seed=seed,
        hidden=hidden,
        limits=limits,
        self_check=self_check,
    )
    job = languages.job(task, variant, source, prepared.candidate)
    outcome = languages.outcome(variant, runner.run(job, limits), prepared.reference.outputs)
    report = _judge(task, prepared, outcome, hidden=hidden)
    return _with_seconds(report, time.perf_counter() - started)


def _with_seconds(report: GradeReport, seconds: float) -> GradeReport:
    return GradeReport(**{**report.__dict__, "seconds": seconds})


# --------------------------------------------------------------------------- verdicts


def _judge(task: TaskSpec, prepared: Prepared, outcome: RunOutcome, *, hidden: bool) -> GradeReport:
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
    language = prepared.language
    if termination is Termination.KILLED:
        return early(
            Verdict.ERROR,
            f"Your code crashed the {LANGUAGE_NAMES[language]} process (signal {outcome.signal}).",
        )
    result = outcome.result
    if result is None:
        exits = "quit()" if language == "r" else "exit() or os._exit()"
        return early(
            Verdict.ERROR, f"Your code ended the process before it finished (e.g. {exits})."
        )
    source_file = SOURCE_FILES[language]
    if result.status == "rejected":
        err = result.module_error
        return early(Verdict.REJECTED, describe_load(err, rejected=True, source_file=source_file))
    if result.refusals:
        # A sandbox operation refused at run time (a socket, a process, a signal, ctypes) is
        # outside the rules whether or not the code caught the PermissionError: no marks.
        return early(Verdict.REJECTED, describe_refusals(result.refusals, language))
    if result.status == "load_error":
        message = describe_load(result.module_error, rejected=False, source_file=source_file)
        return early(Verdict.ERROR, message)

    checks = run_checks(task, prepared, result, cpu_seconds=outcome.cpu_seconds)
    score = sum(c.points for c in checks)
    scored = [c for c in checks if c.max_points > 0 or c.status is CheckStatus.FAILED]
    refusal = find_refusal(task, prepared, result)
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


def find_refusal(task: TaskSpec, prepared: Prepared, result: Result) -> str | None:
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
                signatures=expectations(task.functions, prepared.language),
                source_file=SOURCE_FILES[prepared.language],
            )
        # The message is the candidate's to shape (a module name built from a hidden input):
        # never show it for a hidden case.
        in_hidden = in_hidden or err.type
    if in_hidden:
        what = "a forbidden import" if in_hidden == REFUSED_IMPORT else "a non-array value"
        return f"on a hidden case your code made {what} (hidden cases are not detailed)."
    return None
