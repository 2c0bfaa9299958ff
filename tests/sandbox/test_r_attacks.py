"""Hostile R candidates (tests/sandbox/attacks/r_*.R) through the real pool's warm R zygote.

Each attack runs between two honest R jobs on the pool's one R slot. It must end the way its
first line says; the honest job after it must get the right arrays; no process of the job's uid
may survive it and nothing on the host may change. An attack that is contained (it runs to the
end and everything it tried failed) must not poison its zygote either: the same zygote, never
recycled, serves the honest job after it. An attack that meets a limit gets its slot killed and
a fresh zygote, as in Python.

The honest job is the R twin of test_isolation_attacks.py's: its source holds a marker, and it
writes the marker to /tmp, so the attacks that read earlier jobs' data have something to find.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import Verdict, grade, load_task
from sandbox.isolation import probe, r_runtime, runtime, slots
from sandbox.isolation.capabilities import Capabilities
from sandbox.runners import Limits, PooledRunner, RunOutcome, Termination
from sandbox.runners import zygotes as pool
from sandbox.wire import Job, encode_job

ATTACKS = Path(__file__).parent / "attacks"
AFFINE = Path(__file__).resolve().parents[2] / "question_bank" / "coding" / "affine"
CONTAINED = "contained"
EXPECTED: dict[str, str] = {
    "r_system": CONTAINED,
    "r_pipe": CONTAINED,
    "r_socket": CONTAINED,
    "r_previous_tmp": CONTAINED,
    "r_heap_scan": CONTAINED,
    "r_proc_others": CONTAINED,
    "r_hidden_data": CONTAINED,
    "r_signal_zygote": CONTAINED,
    "r_dyn_load": CONTAINED,
    "r_daemon": "exited",
    "r_tmp_maze": "recycled",
    "r_fork_bomb": "timeout",
    "r_mcparallel_bomb": "timeout",
    "r_memory_bomb": "memory_limit",
    "r_memory_chunks": "memory_limit",
    "r_output_flood": "output_limit",
    "r_output_flood_stderr": "output_limit",
}
# Short limits, as for the Python attacks: no outcome depends on their size.
UNTIL_STOPPED = Limits(
    cpu_seconds=0.75, wall_seconds=1.5, memory_bytes=256 * 2**20, output_bytes=256 * 1024
)
# Memory must be filled before the wall limit, even on a loaded machine.
FILLING = Limits(cpu_seconds=3, wall_seconds=8, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
# The heap scan reads ~100 MiB of its own memory: roomy, so a loaded machine cannot time it out.
PROMPT = Limits(cpu_seconds=8, wall_seconds=15, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
HONEST_LIMITS = Limits(cpu_seconds=5, wall_seconds=10, memory_bytes=256 * 2**20)
HOST_PATHS = [Path("/evil"), Path("/work/main/evil"), Path("/root/evil"), Path("/usr/lib/evil")]
HONEST = """
# ALICE_SECRET_MARKER_42 lives in this source, which later candidates must never see
writeLines("ALICE_SECRET_MARKER_42", "/tmp/alice-answer.txt")
flat <- function(x) matrix(aperm(x, c(1L, rev(seq_along(dim(x))[-1L]))), dim(x)[1L])
affine_forward <- function(x, w, b) {
  list(flat(x) %*% w + rep(b, each = dim(x)[1L]), list(x, w, b))
}
affine_backward <- function(dout, cache) {
  x <- cache[[1L]]
  d <- dim(x)
  back <- c(1L, rev(seq_along(d)[-1L]))
  list(aperm(array(dout %*% t(cache[[2L]]), c(d[1L], rev(d[-1L]))), back),
       t(flat(x)) %*% dout, colSums(dout))
}
"""
PLAN: list[dict[str, Any]] = [
    {
        "id": "f",
        "call": "affine_forward",
        "args": [{"array": "x"}, {"array": "w"}, {"array": "b"}],
        "keep": {"out": [0]},
    },
    {
        "id": "b",
        "call": "affine_backward",
        "args": [{"array": "dout"}, {"ref": "f", "path": [1]}],
        "keep": {"dx": [0], "dw": [1], "db": [2]},
    },
]
PROBE: list[dict[str, Any]] = [{"id": "p", "call": "probe", "keep": {"y": []}}]
LIST_TMP = """
probe <- function() {
  cat(list.files("/tmp", recursive = TRUE, all.files = TRUE, include.dirs = TRUE), sep = "\\n")
  1
}
"""


def _arrays() -> dict[str, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(3)
    return {
        "x": rng.normal(size=(4, 3, 2)),
        "w": rng.normal(size=(6, 5)),
        "b": rng.normal(size=5),
        "dout": rng.normal(size=(4, 5)),
    }


def _honest_job_is_right(outcome: RunOutcome) -> None:
    a = _arrays()
    assert outcome.termination == Termination.EXITED, outcome
    assert outcome.result is not None, outcome
    flat = a["x"].reshape(4, -1)
    got = outcome.result.outputs
    np.testing.assert_allclose(got["out"], flat @ a["w"] + a["b"])
    np.testing.assert_allclose(got["dx"], (a["dout"] @ a["w"].T).reshape(a["x"].shape))
    np.testing.assert_allclose(got["dw"], flat.T @ a["dout"])
    np.testing.assert_allclose(got["db"], a["dout"].sum(axis=0))


def _source(name: str, library_hex: str) -> str:
    attack = (ATTACKS / f"{name}.R").read_text().replace("@LIBRARY_HEX@", library_hex)
    return (ATTACKS / "r_common.R").read_text() + attack


def _processes_of(*uids: int) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid in uids:
                    found.append(int(pid))
            except OSError:
                continue
    return found


def _zygote_pid(uid: int) -> int | None:
    for pid in _processes_of(uid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("NSpid", "").split()[-1:] == ["1"]:
            return pid
    return None


@pytest.fixture(scope="module")
def library_hex(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The r_dyn_load attack's library, built from its C source (gcc builds the zygote's too)."""
    gcc = shutil.which("gcc")
    assert gcc is not None, "gcc is needed (scripts/bootstrap installs it)"
    built = tmp_path_factory.mktemp("attack") / "attack.so"
    subprocess.run(
        [gcc, "-O2", "-shared", "-fPIC", "-o", str(built), str(ATTACKS / "r_dyn_load.c")],
        check=True,
    )
    return built.read_bytes().hex()


@pytest.fixture(scope="module")
def pooled() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    uids = runner.uids
    runner.close()
    assert not _processes_of(*uids, *(uid + 256 for uid in uids))


def _r_slot(runner: PooledRunner) -> int:
    """The uid of the pool's R slot (started by the first R job; Python's slot comes first)."""
    uids = runner.uids
    assert len(uids) == 2, uids
    return uids[1]


def _limits(name: str) -> Limits:
    return {"timeout": UNTIL_STOPPED, "output_limit": UNTIL_STOPPED, "memory_limit": FILLING}.get(
        EXPECTED[name], PROMPT
    )


def _check_expected(name: str, outcome: RunOutcome) -> None:
    expected = EXPECTED[name]
    detail = f"{name}: {outcome}"
    if expected in (CONTAINED, "exited", "recycled"):
        assert outcome.termination == Termination.EXITED, detail
        assert outcome.result is not None, detail
        assert outcome.result.status == "ok", detail
        assert not outcome.result.errors, detail
        assert "LEAK" not in outcome.result.stdout, detail
        if expected == CONTAINED:
            assert "BLOCKED" in outcome.result.stdout, detail
    else:
        assert outcome.termination == Termination(expected), detail


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_r_attack_through_the_pool(pooled: PooledRunner, name: str, library_hex: str) -> None:
    before = {p: p.exists() for p in HOST_PATHS}
    _honest_job_is_right(pooled.run(_job(HONEST), HONEST_LIMITS))
    slot = _r_slot(pooled)
    zygote = _zygote_pid(slot)
    assert zygote is not None
    limits = _limits(name)
    plan = PROBE if name == "r_dyn_load" else PLAN
    outcome = pooled.run(_job(_source(name, library_hex), plan), limits)
    _check_expected(name, outcome)
    assert outcome.wall_seconds < limits.wall_seconds + 2
    _honest_job_is_right(pooled.run(_job(HONEST), HONEST_LIMITS))
    if EXPECTED[name] in (CONTAINED, "exited"):
        assert _zygote_pid(slot) == zygote  # not poisoned: the same zygote served the next job
    if EXPECTED[name] == "recycled":
        assert _zygote_pid(slot) not in (None, zygote)
        listing = pooled.run(_job(LIST_TMP, PROBE), HONEST_LIMITS)
        assert listing.result is not None, listing
        assert "maze" not in listing.result.stdout, listing.result.stdout
    assert {p: p.exists() for p in HOST_PATHS} == before
    assert not _processes_of(slot + 256)  # nothing of a job outlives it
    assert len(_processes_of(slot)) <= 2  # the slot keeps its bwrap monitor and its zygote


def _job(source: str, plan: list[dict[str, Any]] = PLAN) -> Job:
    return Job(source=source, arrays=_arrays(), plan=plan, language="r")


def test_loaded_code_runs_as_the_job_uid_with_nothing_to_reach_the_zygote(
    pooled: PooledRunner, library_hex: str
) -> None:
    outcome = pooled.run(_job(_source("r_dyn_load", library_hex), PROBE), PROMPT)
    assert outcome.result is not None, outcome
    lines = outcome.result.stdout.splitlines()
    assert "LOADED" in lines, outcome.result.stdout  # the walls were met, not a failed load
    me = {w[1]: w[2] for w in (line.split() for line in lines) if w[:1] == ["SELF"]}
    zygote_uid = next(int(line.split()[2]) for line in lines if line.startswith("ZYGOTE"))
    assert zygote_uid == _r_slot(pooled)
    job_uid = int(me["Uid"])
    assert job_uid == zygote_uid + 256
    assert me["Gid"] == str(job_uid)
    caps = {k: int(v, 16) for k, v in me.items() if k.startswith("Cap")}
    assert caps == dict.fromkeys(("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"), 0)
    assert me["NoNewPrivs"] == "1"
    blocked = [line for line in lines if line.startswith("BLOCKED")]
    assert len(blocked) == 20, outcome.result.stdout
    assert {int(line.split()[-1]) for line in blocked} <= {errno.EPERM, errno.ESRCH, errno.EACCES}
    still = next(line for line in lines if line.startswith("STILL")).split()[1:]
    assert still == [str(job_uid)] * 8


@pytest.mark.parametrize("name", ["r_signal_zygote", "r_dyn_load"])
def test_after_attacking_its_zygote_the_same_zygote_grades_the_r_reference_with_full_marks(
    pooled: PooledRunner, library_hex: str, name: str
) -> None:
    task = load_task(AFFINE)
    reference = task.variant("r").reference
    first = grade(task, reference, runner=pooled, seed=5, hidden=True, language="r")
    assert first.verdict is Verdict.PASSED, first.message
    zygote = _zygote_pid(_r_slot(pooled))
    plan = PROBE if name == "r_dyn_load" else PLAN
    _check_expected(name, pooled.run(_job(_source(name, library_hex), plan), PROMPT))
    for seed in (5, 6):
        after = grade(task, reference, runner=pooled, seed=seed, hidden=True, language="r")
        assert after.verdict is Verdict.PASSED, after.message
        assert after.score == after.max_score
    assert _zygote_pid(_r_slot(pooled)) == zygote  # the very zygote that was attacked


# The tries of r_dyn_load.c aimed at the zygote (the rest: sockets, namespaces, mounts).
ON_THE_ZYGOTE = 16


@pytest.fixture
def unfiltered_r_zygote() -> Iterator[pool.Zygote]:
    """An R zygote whose sandbox has every layer but seccomp: a stand-in for a filter with a gap."""
    found = probe()
    caps = Capabilities(present={**found.present, "seccomp": False}, reasons=found.reasons)
    rt = runtime.ensure(runtime.DEFAULT_DIR)
    runtime.ensure_r(rt)
    slot = slots.acquire_slot(caps)
    zygote = None
    try:
        zygote = pool.sandboxed_zygote(rt, slot, caps, "r")
        yield zygote
    finally:
        if zygote is not None:
            zygote.destroy()
        slot.release()


def test_without_seccomp_the_uid_alone_keeps_an_r_job_from_its_zygote(
    unfiltered_r_zygote: pool.Zygote, library_hex: str
) -> None:
    job = encode_job(_job(_source("r_dyn_load", library_hex), PROBE))
    outcome, healthy = pool.run_on(unfiltered_r_zygote, job, r_runtime.limits(PROMPT))
    assert outcome.result is not None, outcome
    lines = outcome.result.stdout.splitlines()
    assert "LOADED" in lines, outcome.result.stdout
    tries = [line.split() for line in lines if line.startswith(("BLOCKED", "LEAK"))]
    assert len(tries) == 20, outcome.result.stdout
    assert all(t[0] == "BLOCKED" for t in tries[:ON_THE_ZYGOTE]), outcome.result.stdout
    assert healthy  # the zygote's own check after the job: nothing about it changed
    after, healthy = pool.run_on(unfiltered_r_zygote, encode_job(_job(HONEST)), HONEST_LIMITS)
    assert healthy
    _honest_job_is_right(after)


def test_the_r_slots_start_with_the_first_r_job() -> None:
    runner = PooledRunner(slots=1)
    try:
        python = Job(source="def f():\n    return 2.0\n", plan=[{"id": "f", "call": "f"}])
        assert runner.run(python, HONEST_LIMITS).termination == Termination.EXITED
        assert len(runner.uids) == 1  # a Python-only service starts no R process
        _honest_job_is_right(runner.run(_job(HONEST), HONEST_LIMITS))
        assert len(runner.uids) == 2
        assert _zygote_pid(runner.uids[1]) is not None
    finally:
        runner.close()


def test_every_r_attack_file_has_an_expectation() -> None:
    assert {p.stem for p in ATTACKS.glob("r_*.R")} - {"r_common"} == set(EXPECTED)
