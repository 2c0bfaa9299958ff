"""Derive the sandbox's seccomp allowlist from traces of honest code running in the real sandbox.

    sudo .venv/bin/python scripts/seccomp_trace.py            # rewrites the generated module
    .venv/bin/python scripts/seccomp_trace.py --check         # exit 1 if the traces need more

Starts the real runners (warm pool and fresh bwrap) with strace wrapped around their launch
command, grades every bank task's reference, mutants and starter (public and hidden cases), plus
a few honest edge paths the bank does not reach (prints, exceptions, syntax errors, sleep, a
MemoryError, numpy's linalg/fft/random, ``from numpy import *``), then keeps the syscalls made by
the sandboxed interpreter from its execve on and by every process or thread it started. The
launcher's own syscalls (unshare, sh, setpriv, bwrap) are left out: they run before the filter.
The families the policy refuses whatever the traces say (seccomp.REFUSED) are subtracted, and the
rest is written to sandbox/isolation/syscall_allowlist.py. Needs root and strace.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox import IsolatedRunner, PooledRunner, Runner, grade  # noqa: E402
from sandbox.grading.loader import load_tasks  # noqa: E402
from sandbox.isolation import bwrap, seccomp  # noqa: E402
from sandbox.wire import Job  # noqa: E402

OUTPUT = ROOT / "sandbox" / "isolation" / "syscall_allowlist.py"
SANDBOX_PYTHON = f'execve("{bwrap.SANDBOX_VENV}/bin/python"'
LINE = re.compile(r"^(\d+) +(?:<\.\.\. (\w+) resumed>|(\w+)\()")
CHILD_PID = re.compile(r"= (\d+)(?: /\* (\d+) in strace's PID NS \*/)?\s*$")
FORKS = {"clone", "clone3", "fork", "vfork"}

# Honest code the bank's solutions do not exercise, run as plain jobs.
EDGE_SOURCES = {
    "print_and_raise": "def f():\n    print('hello ' * 100)\n    raise ValueError('no')\n",
    "syntax_error": "def f(:\n    pass\n",
    "python2": "print 'hi'\n",
    "star_import": "from numpy import *\ndef f():\n    return zeros(3)\n",
    "sleep": "import time\ndef f():\n    time.sleep(0.02)\n    return 1.0\n",
    "memory_error": "import numpy as np\ndef f():\n    return np.ones(2**40)\n",
    "linalg_fft_random": (
        "import numpy as np\n"
        "def f():\n"
        "    a = np.random.default_rng(0).normal(size=(64, 64))\n"
        "    np.random.seed(1); np.random.randn(3); np.random.shuffle(a)\n"
        "    u, s, vt = np.linalg.svd(a)\n"
        "    return np.linalg.inv(a + 64 * np.eye(64)).sum() + np.fft.fft(s).real.sum()\n"
    ),
    "stdlib": (
        "import math, random, itertools, functools, collections, copy, time, re, decimal\n"
        "def f():\n"
        "    random.seed(3); t = time.time() + time.perf_counter() + time.process_time()\n"
        "    d = decimal.Decimal(1) / 7\n"
        "    return float(math.fsum([1.0, 2.0]) + len(re.findall('a', 'aa')) + float(d) + t * 0)\n"
    ),
}


_LAUNCH_ARGV = bwrap.launch_argv


def _traced(prefix: Path) -> Callable[..., list[str]]:
    original = _LAUNCH_ARGV
    count = iter(range(10**6))

    def launch_argv(*args: Any, **kwargs: Any) -> list[str]:
        out = f"{prefix}.{next(count)}"
        trace = ["strace", "-f", "--pidns-translation", "-qq", "-e", "signal=none", "-o", out]
        return [*trace, *original(*args, **kwargs)]

    return launch_argv


def sandboxed_syscalls(log: Path) -> dict[str, int]:
    """Count the syscalls of the sandboxed interpreter and its descendants in one strace log."""
    parent: dict[int, int] = {}
    started: set[int] = set()
    calls: dict[int, list[str]] = defaultdict(list)
    for raw in log.read_text(errors="replace").splitlines():
        match = LINE.match(raw)
        if match is None:
            continue
        pid = int(match[1])
        name = match[2] or match[3]
        if raw[match.end(1) :].lstrip().startswith(SANDBOX_PYTHON) and raw.rstrip().endswith("= 0"):
            started.add(pid)
            calls[pid].clear()  # what the launcher did in this process before is not ours
        if name in FORKS and (child := CHILD_PID.search(raw)):
            parent[int(child[2] or child[1])] = pid
        if match[2] is None:  # count a call once, at its start
            calls[pid].append(name)

    def inside(pid: int) -> bool:
        seen = set()
        while pid not in started:
            if pid in seen or pid not in parent:
                return False
            seen.add(pid)
            pid = parent[pid]
        return True

    counts: dict[str, int] = defaultdict(int)
    for pid, names in calls.items():
        if inside(pid):
            for name in names:
                counts[name] += 1
    return dict(counts)


def _workload(runner: Runner, *, everything: bool) -> Iterator[str]:
    tasks = load_tasks(ROOT / "question_bank" / "coding")
    for task_id, task in sorted(tasks.items()):
        sources = {"reference": task.reference, "starter": task.starter, **task.mutants}
        if not everything:
            sources = {"reference": task.reference}
        for name, source in sources.items():
            grade(task, source, runner=runner, seed=7, hidden=True)
            yield f"{task_id}/{name}"
    for name, source in EDGE_SOURCES.items():
        runner.run(
            Job(source=source, plan=[{"id": "f", "call": "f", "keep": {"y": []}}]), _limits()
        )
        yield f"edge/{name}"


def _limits() -> Any:
    from sandbox import Limits

    return Limits(cpu_seconds=5, wall_seconds=20)


def trace(workdir: Path) -> dict[str, int]:
    """Run the workload through traced runners; return the syscall counts of sandboxed code."""
    seccomp.seccomp_program = seccomp.tracing_program  # type: ignore[assignment]
    bwrap.launch_argv = _traced(workdir / "fresh")  # type: ignore[assignment]
    fresh = IsolatedRunner(slots=1)
    try:
        for done in _workload(fresh, everything=False):
            print("fresh", done, flush=True)
    finally:
        fresh.close()
    bwrap.launch_argv = _traced(workdir / "pool")  # type: ignore[assignment]
    pooled = PooledRunner(slots=1, recycle_after=10**6)
    try:
        for done in _workload(pooled, everything=True):
            print("pool ", done, flush=True)
    finally:
        pooled.close()
    counts: dict[str, int] = defaultdict(int)
    for log in sorted(workdir.glob("*.*")):
        for name, n in sandboxed_syscalls(log).items():
            counts[name] += n
    return dict(counts)


def render(counts: dict[str, int]) -> str:
    """The generated module: the traced syscalls minus the refused families, with their counts."""
    allowed = sorted(set(counts) - seccomp.REFUSED)
    refused_seen = sorted(set(counts) & seccomp.REFUSED)
    lines = [
        '"""Syscalls the sandbox allows: GENERATED by scripts/seccomp_trace.py, do not edit.',
        "",
        "Each name was made by honest code in the real sandbox (the bank's references, mutants",
        "and starters, and the edge paths in the script); the count is how often, in one trace.",
        f"Seen but refused by policy (seccomp.REFUSED): {', '.join(refused_seen) or 'none'}.",
        '"""',
        "",
        "TRACED: dict[str, int] = {",
        *(f'    "{name}": {counts[name]},' for name in allowed),
        "}",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--keep", type=Path, help="keep the raw strace logs in this directory")
    args = parser.parse_args()
    if shutil.which("strace") is None:
        print("strace is not installed (apt-get install strace)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="seccomp-trace-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    counts = trace(workdir)
    if args.keep is None:
        shutil.rmtree(workdir)
    text = render(counts)
    if args.check:
        from sandbox.isolation.syscall_allowlist import TRACED

        missing = sorted(set(counts) - seccomp.REFUSED - set(TRACED))
        print("missing from the allowlist:", ", ".join(missing) or "nothing")
        return 1 if missing else 0
    OUTPUT.write_text(text)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(OUTPUT)], check=False)
    print(f"wrote {OUTPUT} ({len(counts)} syscalls traced)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
