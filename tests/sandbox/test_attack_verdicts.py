"""The verdict a candidate gets for each hostile program (tests/sandbox/attacks), through grade().

test_isolation_attacks.py checks the runners (containment, clean slots); this checks what the
judge makes of the same programs: the verdict, no marks earned by the attack itself, a candidate
view that never shows hidden inputs or reference values, and a judge that keeps serving.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import GradeReport, Limits, PooledRunner, TaskSpec, Verdict, grade, load_task
from sandbox.grading.cases import build_cases
from sandbox.grading.plans import reference_plan
from sandbox.wire import Job

ATTACKS = Path(__file__).parent / "attacks"
AFFINE = Path(__file__).resolve().parents[2] / "question_bank" / "coding" / "affine"
SEED = 20261129
# An affine grading run needs well under 0.2 s of CPU; short limits keep the attacks cheap
# without changing which limit they meet. The five attacks that run until a limit stops them
# get shorter ones still: a loop meets 0.5 s of CPU or 1 s of wall time as surely as more.
LIMITS = Limits(cpu_seconds=1, wall_seconds=2, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
UNTIL_STOPPED = Limits(
    cpu_seconds=0.5, wall_seconds=1, memory_bytes=256 * 2**20, output_bytes=256 * 1024
)
# Memory bombs must fill 256 MiB before a wall limit; on a loaded machine 2 s was not always
# enough, and their verdict depends on the memory limit alone.
FILLING = Limits(cpu_seconds=3, wall_seconds=8, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
# The honest gradings (and the reference run they cache) keep the default, roomy limits.
HONEST = Limits()

EXPECTED: dict[str, Verdict] = {
    # the process is ended by a limit: the limit is the verdict
    "busy_loop": Verdict.TIMEOUT,
    "fork_bomb": Verdict.TIMEOUT,
    "raise_rlimits": Verdict.TIMEOUT,
    "sleep_forever": Verdict.TIMEOUT,
    "thread_bomb": Verdict.TIMEOUT,
    "memory_bomb_huge": Verdict.MEMORY_LIMIT,
    "memory_bomb_chunks": Verdict.MEMORY_LIMIT,
    "output_flood_print": Verdict.OUTPUT_LIMIT,
    "output_flood_stdout_fd": Verdict.OUTPUT_LIMIT,
    "output_flood_stderr_fd": Verdict.OUTPUT_LIMIT,
    # outside the rules: forbidden imports, a forged result frame
    "import_torch": Verdict.REJECTED,
    "import_importlib": Verdict.REJECTED,
    "import_dunder": Verdict.REJECTED,
    "import_builtins_bypass": Verdict.REJECTED,
    "import_exec_bypass": Verdict.REJECTED,
    "fake_result_frame": Verdict.REJECTED,
    "result_frame_huge_int": Verdict.REJECTED,
    # an operation the audit hook refused, even with the PermissionError caught and the right
    # arrays returned: a socket, subprocess/os.system/exec, os.kill
    "network_socket": Verdict.REJECTED,
    "import_sys_modules": Verdict.REJECTED,
    "signal_parent": Verdict.REJECTED,
    # the candidate's own code broke: Python 2 syntax, abort(), a /tmp it locked itself out of
    "python2_code": Verdict.ERROR,
    "abort": Verdict.ERROR,
    "tmp_plant": Verdict.ERROR,
    # numpy patched inside the child returns zeros: wrong arrays, nothing else
    "tamper_numpy": Verdict.FAILED,
}
# The audit event each refused-operation attack is told about.
REFUSED_OPERATIONS = {
    "network_socket": "socket.__new__",
    "import_sys_modules": "os.system",
    "signal_parent": "os.kill",
}
# These compute the right affine on purpose (the runner tests need their honest path) and what
# they try against the sandbox fails with ordinary OS errors the judge cannot tell from honest
# code, without meeting the audit hook (network_ctypes_syscall finds no ctypes module to call):
# verdicts come from returned arrays only (DESIGN.md section 4), so they pass. What must hold is
# that the attack printed BLOCKED and never LEAK (the recruiter sees printed output).
CONTAINED_BUT_CORRECT = (
    "daemonize",
    "fill_tmp",
    "frame_walking",
    "gc_scan_other_code",
    "leftover_reader",
    "network_ctypes_syscall",
    "proc_mem_zygote",
    "read_checkout",
    "read_database",
    "read_env",
    "read_etc_passwd",
    "read_hidden_case",
    "read_host_home",
    "read_proc_environ",
    "tmp_check",
    "write_outside_tmp",
)


@pytest.fixture(scope="module")
def pooled() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def task() -> TaskSpec:
    return load_task(AFFINE)


@pytest.fixture(scope="module")
def secrets(task: TaskSpec, pooled: PooledRunner) -> np.ndarray[Any, Any]:
    """Every hidden input value and every reference output value of the graded cases."""
    cases = build_cases(task, seed=SEED, hidden=True)
    assert any(c.hidden for c in cases)
    plan = reference_plan(task, cases)
    outcome = pooled.run(Job(source=task.reference, arrays=plan.arrays, plan=plan.steps), HONEST)
    assert outcome.result is not None
    assert outcome.result.outputs
    # grade once with roomy limits first, so the cached reference run never meets short ones
    _judge_keeps_serving(task, pooled)
    values = [a.ravel() for c in cases if c.hidden for a in c.inputs.values()]
    values += [a.ravel() for a in outcome.result.outputs.values()]
    found = np.concatenate([v.astype(np.float64) for v in values])
    # 0 and +-1 occur in any report (counts, points) and say nothing about a case
    return np.unique(found[np.isfinite(found) & ~np.isin(found, (-1.0, 0.0, 1.0))])


def _numbers(view: Any) -> Iterator[float]:
    if isinstance(view, dict):
        for value in view.values():
            yield from _numbers(value)
    elif isinstance(view, list):
        for value in view:
            yield from _numbers(value)
    elif isinstance(view, float | int) and not isinstance(view, bool):
        yield float(view)


def _assert_candidate_view_keeps_secrets(
    report: GradeReport, task: TaskSpec, secrets: np.ndarray[Any, Any]
) -> None:
    view = report.to_dict("candidate")
    hidden_names = {c.name for c in build_cases(task, seed=SEED, hidden=True) if c.hidden}
    assert not {c["case"] for c in view["checks"]} & hidden_names
    # printed output may echo hidden inputs, so it is dropped once hidden cases ran
    assert "stdout" not in view
    numbers = np.array([x for x in _numbers(view) if math.isfinite(x)], dtype=np.float64)
    if numbers.size:
        close = np.isclose(numbers[:, None], secrets[None, :], rtol=1e-9, atol=0)
        assert not close.any(), numbers[close.any(axis=1)]
    text = json.dumps(view)
    for value in secrets:
        # six significant digits of a drawn value do not occur in a report by chance
        printed = f"{value:.6g}"
        if len(printed.lstrip("-")) >= 7:
            assert printed not in text, value


def _grade(
    task: TaskSpec, source: str, runner: PooledRunner, limits: Limits = LIMITS
) -> GradeReport:
    return grade(task, source, runner=runner, seed=SEED, hidden=True, limits=limits)


def _judge_keeps_serving(task: TaskSpec, runner: PooledRunner) -> None:
    after = _grade(task, task.reference, runner, HONEST)
    assert after.verdict is Verdict.PASSED, after.message
    assert after.score == after.max_score


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_gets_its_verdict_and_no_marks(
    name: str, task: TaskSpec, pooled: PooledRunner, secrets: np.ndarray[Any, Any]
) -> None:
    limits = {Verdict.TIMEOUT: UNTIL_STOPPED, Verdict.MEMORY_LIMIT: FILLING}.get(
        EXPECTED[name], LIMITS
    )
    report = _grade(task, (ATTACKS / f"{name}.py").read_text(), pooled, limits)
    assert report.verdict is EXPECTED[name], report.message
    assert report.score < report.max_score
    if name in REFUSED_OPERATIONS:
        assert REFUSED_OPERATIONS[name] in report.message
    if report.verdict is not Verdict.FAILED and report.verdict is not Verdict.ERROR:
        assert report.score == 0
    _assert_candidate_view_keeps_secrets(report, task, secrets)
    _judge_keeps_serving(task, pooled)


@pytest.mark.parametrize("name", CONTAINED_BUT_CORRECT)
def test_contained_attack_is_graded_on_its_arrays_alone(
    name: str, task: TaskSpec, pooled: PooledRunner, secrets: np.ndarray[Any, Any]
) -> None:
    report = _grade(task, (ATTACKS / f"{name}.py").read_text(), pooled)
    assert report.verdict is Verdict.PASSED, report.message
    stdout = report.to_dict("recruiter")["stdout"]
    assert "LEAK" not in stdout
    if name != "daemonize":  # the daemon prints nothing; its test is that the slot stays clean
        assert "BLOCKED" in stdout
    _assert_candidate_view_keeps_secrets(report, task, secrets)
    _judge_keeps_serving(task, pooled)


def test_every_attack_is_judged() -> None:
    names = [*EXPECTED, *CONTAINED_BUT_CORRECT]
    assert len(names) == len(set(names))
    assert {p.stem for p in ATTACKS.glob("*.py")} == set(names)
