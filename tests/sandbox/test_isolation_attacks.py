"""Hostile candidates (tests/sandbox/attacks/*.py) through the real isolated runners.

Each attack must end the way its docstring says, leave no process of the slot behind, change
nothing on the host, and the runner must grade the next honest job correctly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sandbox import isolation
from sandbox.isolation import slots
from sandbox.runners import IsolatedRunner, Limits, PooledRunner, RunOutcome, Termination
from sandbox.wire import Job

ATTACKS = Path(__file__).parent / "attacks"
# The attacks' limits: short, because no attack's outcome depends on their size (a busy loop
# meets 0.75 s of CPU as surely as 1 s), and the five timeout attacks wait them out.
LIMITS = Limits(
    cpu_seconds=0.75, wall_seconds=1.5, memory_bytes=256 * 2**20, output_bytes=256 * 1024
)
# A memory bomb must fill 256 MiB before its wall limit: under a co-tenant load of 7 on the two
# cores it got 0.4 s of CPU in 1.5 s and ended as a timeout. Its outcome depends on the memory
# limit alone, so it gets the wall time to reach it.
FILLING = Limits(cpu_seconds=3, wall_seconds=8, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
ATTACK_LIMITS = {"memory_bomb_chunks": FILLING, "memory_bomb_huge": FILLING}
# An attack that does not run until a limit stops it gets a wall limit a loaded machine cannot
# meet by accident (a fresh bwrap's numpy import once took 1.6 s of wall time under load 7).
PROMPT = Limits(cpu_seconds=3, wall_seconds=6, memory_bytes=256 * 2**20, output_bytes=256 * 1024)
# The honest jobs around each attack keep roomy limits: a loaded machine must not fail them.
HONEST_LIMITS = Limits(cpu_seconds=5, wall_seconds=10, memory_bytes=256 * 2**20)
HONEST = """
import numpy as np
def affine_forward(x, w, b):
    # ALICE_SECRET_MARKER_42 lives in this source, which later candidates must never see
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)
"""

CONTAINED = "contained"
EXPECTED: dict[str, str] = {
    "read_etc_passwd": CONTAINED,
    "read_checkout": CONTAINED,
    "read_database": CONTAINED,
    "read_proc_environ": CONTAINED,
    "read_env": CONTAINED,
    "read_host_home": CONTAINED,
    "read_hidden_case": CONTAINED,
    "network_socket": CONTAINED,
    "network_ctypes_syscall": CONTAINED,
    "import_sys_modules": CONTAINED,
    "signal_parent": CONTAINED,
    "gc_scan_other_code": CONTAINED,
    "write_outside_tmp": CONTAINED,
    "fill_tmp": CONTAINED,
    "tmp_plant": CONTAINED,
    "tmp_check": CONTAINED,
    "leftover_reader": CONTAINED,
    "proc_mem_zygote": CONTAINED,
    "tamper_numpy": CONTAINED,
    "frame_walking": CONTAINED,
    "daemonize": "exited",
    "import_torch": "rejected",
    "import_importlib": "rejected",
    "import_dunder": "rejected",
    "import_builtins_bypass": "rejected",
    "import_exec_bypass": "rejected",
    "python2_code": "load_error",
    "fork_bomb": "timeout",
    "thread_bomb": "timeout",
    "sleep_forever": "timeout",
    "busy_loop": "timeout",
    "raise_rlimits": "timeout",
    "memory_bomb_huge": "memory_limit",
    "memory_bomb_chunks": "memory_limit",
    "output_flood_print": "output_limit",
    "output_flood_stdout_fd": "output_limit",
    "output_flood_stderr_fd": "output_limit",
    "fake_result_frame": "protocol_error",
    "result_frame_huge_int": "protocol_error",
    "abort": "killed",
}
# Every attack runs through the pool (the default runner). A fresh bwrap per run shares the
# launch, the mounts, seccomp, the uid drop and the cgroup limits with the pool (isolation.py) and
# differs in how the child is started and cleaned up, so it runs one attack per concern: a
# filesystem escape, a write outside /tmp, the network, a fork bomb (pids + deadline), a
# cgroup OOM, a daemon that must not survive, limits it cannot raise, an output flood.
FRESH_SUBSET = (
    "read_checkout",
    "write_outside_tmp",
    "network_socket",
    "fork_bomb",
    "memory_bomb_chunks",
    "daemonize",
    "raise_rlimits",
    "output_flood_stderr_fd",
)
HOST_PATHS = [Path("/evil"), Path("/work/main/evil"), Path("/root/evil"), Path("/usr/lib/evil")]
SECRET = "CHAINRULE_TEST_SECRET"


def _arrays() -> dict[str, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(3)
    return {
        "x": rng.normal(size=(4, 3, 2)),
        "w": rng.normal(size=(6, 5)),
        "b": rng.normal(size=5),
        "dout": rng.normal(size=(4, 5)),
    }


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


def _check_expected(name: str, outcome: RunOutcome) -> None:
    expected = EXPECTED[name]
    detail = f"{name}: {outcome}"
    if expected in (CONTAINED, "exited"):
        assert outcome.termination == Termination.EXITED, detail
        assert outcome.result is not None, detail
        assert outcome.result.status == "ok", detail
        assert "LEAK" not in outcome.result.stdout, detail
        if expected == CONTAINED:
            assert "BLOCKED" in outcome.result.stdout, detail
    elif expected in ("rejected", "load_error"):
        assert outcome.termination == Termination.EXITED, detail
        assert outcome.result is not None, detail
        assert outcome.result.status == expected, detail
    elif expected == "protocol_error":
        assert outcome.protocol_error is not None, detail
        assert outcome.result is None, detail
    elif expected == "killed":
        assert outcome.termination == Termination.KILLED, detail
    else:
        assert outcome.termination == Termination(expected), detail


def _slot_uid_processes(uids: list[int]) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid in uids:
                    found.append(int(pid))
            except OSError:
                continue
    return found


def _honest_job_is_right(outcome: RunOutcome) -> None:
    a = _arrays()
    assert outcome.termination == Termination.EXITED, outcome
    assert outcome.result is not None
    np.testing.assert_allclose(
        outcome.result.outputs["out"], a["x"].reshape(4, -1) @ a["w"] + a["b"]
    )
    np.testing.assert_allclose(outcome.result.outputs["db"], a["dout"].sum(axis=0))


@pytest.fixture(scope="module", autouse=True)
def _secret_in_environment() -> Iterator[None]:
    os.environ[SECRET] = "hunter2"
    yield
    del os.environ[SECRET]


@pytest.fixture(scope="module")
def pooled() -> Iterator[PooledRunner]:
    runner = PooledRunner(slots=1, recycle_after=1000)
    yield runner
    runner.close()
    assert not _slot_uid_processes(runner.uids)


@pytest.fixture(scope="module")
def fresh() -> Iterator[IsolatedRunner]:
    runner = IsolatedRunner(slots=1)
    yield runner
    runner.close()


def _attack(runner: PooledRunner | IsolatedRunner, name: str, *, pooled: bool) -> None:
    source = (ATTACKS / f"{name}.py").read_text()
    before = {p: p.exists() for p in HOST_PATHS}
    # An honest candidate first, so memory-scanning attacks have something to look for.
    _honest_job_is_right(runner.run(Job(source=HONEST, arrays=_arrays(), plan=PLAN), HONEST_LIMITS))
    limits = ATTACK_LIMITS.get(name, LIMITS if EXPECTED[name] == "timeout" else PROMPT)
    outcome = runner.run(Job(source=source, arrays=_arrays(), plan=PLAN), limits)
    _check_expected(name, outcome)
    assert outcome.wall_seconds < limits.wall_seconds + 2
    _honest_job_is_right(runner.run(Job(source=HONEST, arrays=_arrays(), plan=PLAN), HONEST_LIMITS))
    assert {p: p.exists() for p in HOST_PATHS} == before
    leftover = _slot_uid_processes(runner.uids)
    # A pooled slot keeps exactly its bwrap monitor and its zygote; a fresh one keeps nothing.
    assert len(leftover) <= (2 if pooled else 0), leftover


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_through_the_pool(pooled: PooledRunner, name: str) -> None:
    _attack(pooled, name, pooled=True)


@pytest.mark.parametrize("name", FRESH_SUBSET)
def test_attack_through_a_fresh_sandbox(fresh: IsolatedRunner, name: str) -> None:
    _attack(fresh, name, pooled=False)


def test_every_attack_file_has_an_expectation() -> None:
    assert {p.stem for p in ATTACKS.glob("*.py")} == set(EXPECTED)
    assert len(EXPECTED) >= 30
    assert set(FRESH_SUBSET) <= set(EXPECTED)


def test_no_cgroup_of_a_closed_runner_is_left() -> None:
    runner = PooledRunner(slots=1)
    names = [f"slot-{uid}" for uid in runner.uids]
    runner.run(Job(source=HONEST, arrays=_arrays(), plan=PLAN), HONEST_LIMITS)
    runner.close()
    for controller in (*isolation.V1_CONTROLLERS, "unified"):
        for name in names:
            assert not slots.cgroup_path(controller, name).exists()
