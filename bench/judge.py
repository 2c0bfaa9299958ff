"""Benchmark the judge: grading a submission through each runner, against an unsandboxed baseline.

Grades the reference solution of `affine` and `batchnorm` (public + hidden cases) with
`sandbox.grade` through the warm pool (PooledRunner), a fresh bwrap per run (IsolatedRunner),
and two unsandboxed baselines: the same harness in a forked child of a warm unsandboxed process
(UnsafeForkServerRunner, "warm base": what the sandbox costs a warm job) and a fresh `python` per
run (UnsafeLocalRunner, "fresh base"). Then the R references of the same tasks (language "r")
through the pool's warm R zygotes and through a fresh `R` per run in bwrap (IsolatedRunner, the
R rows' baseline: "p50/fresh" and "subs/s/fresh" of an R row are against it; R has no warm
unsandboxed baseline). Prints one table; every ratio is against a baseline row of the same task
and language measured in the same run, then the goal lines with met / NOT met and the R lines.

    .venv/bin/python bench/judge.py            # about a minute
    .venv/bin/python bench/judge.py --quick    # about half a minute, noisier

Columns: latency of one graded submission when submitted alone (p50, p95); throughput with two
concurrent submitters; per submission the child's run (runner.run wall p50), the trusted side
(grade wall minus run wall, p50), and CPU (this process, and the child as its runner measured
it). The "cold" column is one submission under a seed not seen before: the reference run that
the per-(task, seed) cache saves on every later submission is paid once there.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import (
    IsolatedRunner,
    Limits,
    PooledRunner,
    Runner,
    RunOutcome,
    TaskSpec,
    UnsafeLocalRunner,
    Verdict,
    grade,
    load_task,
)
from sandbox.runners import UnsafeForkServerRunner
from sandbox.wire import Job

CODING = Path(__file__).resolve().parents[1] / "question_bank" / "coding"
TASKS = ("affine", "batchnorm")
LANGUAGES = ("python", "r")
SEED = 1234
LIMITS = Limits()


@dataclass
class Counts:
    latency: int  # sequential graded submissions
    throughput: int  # per submitter, two submitters
    cold: int  # submissions under fresh seeds


FULL = {
    "pool": Counts(40, 25, 4),
    "fresh": Counts(12, 8, 3),
    "unsafe": Counts(12, 8, 3),
    "warm": Counts(40, 25, 4),
    "r fresh": Counts(12, 8, 3),
    "r pool": Counts(40, 25, 4),
}
QUICK = {
    "pool": Counts(15, 10, 2),
    "fresh": Counts(5, 4, 2),
    "unsafe": Counts(5, 4, 2),
    "warm": Counts(15, 10, 2),
    "r fresh": Counts(5, 4, 2),
    "r pool": Counts(15, 10, 2),
}
# The baseline row of each language's ratios: (fresh, warm); R has no warm unsandboxed one.
BASELINES = {
    "python": ("fresh base", "warm base"),
    "r": ("fresh Rscript", None),
}
GOAL_PER_SECOND = 60  # affine through the warm pool on 2 cores (issue 9)
GOAL_WARM_RATIO = 1.3  # warm-pool p50 over the warm fork-server baseline's p50


@dataclass
class Metered:
    """A runner that records the wall time and the child CPU of every run (thread-safe)."""

    inner: Runner
    walls: list[float] = field(default_factory=list)
    child_cpu: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        start = time.perf_counter()
        outcome = self.inner.run(job, limits)
        wall = time.perf_counter() - start
        with self.lock:
            self.walls.append(wall)
            self.child_cpu.append(outcome.cpu_seconds)
        return outcome

    def close(self) -> None:
        self.inner.close()

    def reset(self) -> None:
        with self.lock:
            self.walls.clear()
            self.child_cpu.clear()


@dataclass
class Row:
    task: str
    language: str
    runner: str
    p50: float
    p95: float
    per_second: float
    run_p50: float
    trusted_p50: float
    self_cpu: float
    child_cpu: float
    cold_p50: float


def _ms(seconds: float) -> float:
    return seconds * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _graded(task: TaskSpec, language: str, runner: Metered, seed: int) -> float:
    source = task.variant(language).reference
    start = time.perf_counter()
    report = grade(
        task, source, runner=runner, seed=seed, hidden=True, limits=LIMITS, language=language
    )
    elapsed = time.perf_counter() - start
    if report.verdict is not Verdict.PASSED or report.score != report.max_score:
        raise SystemExit(
            f"{task.id} ({language}): the reference got {report.verdict}: {report.message}"
        )
    return elapsed


def measure(
    task: TaskSpec, language: str, name: str, runner: Metered, counts: Counts, seeds: list[int]
) -> Row:
    """Warm up, then latency alone, throughput with two submitters, and cold seeds."""
    for _ in range(3):
        _graded(task, language, runner, SEED)  # the first fills the reference cache for SEED
    runner.reset()
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    latencies = [_graded(task, language, runner, SEED) for _ in range(counts.latency)]
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    runs = list(runner.walls)
    child_cpu = sum(runner.child_cpu) / len(runner.child_cpu)
    self_cpu = (
        after_self.ru_utime + after_self.ru_stime - before_self.ru_utime - before_self.ru_stime
    ) / counts.latency

    def submitter() -> None:
        for _ in range(counts.throughput):
            _graded(task, language, runner, SEED)

    threads = [threading.Thread(target=submitter) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_second = 2 * counts.throughput / (time.perf_counter() - start)

    cold = [_graded(task, language, runner, seed) for seed in seeds[: counts.cold]]
    trusted = [total - run for total, run in zip(latencies, runs, strict=True)]
    return Row(
        task=task.id,
        language=language,
        runner=name,
        p50=statistics.median(latencies),
        p95=_p95(latencies),
        per_second=per_second,
        run_p50=statistics.median(runs),
        trusted_p50=statistics.median(trusted),
        self_cpu=self_cpu,
        child_cpu=child_cpu,
        cold_p50=statistics.median(cold),
    )


def _ratio(value: float, base: float | None, width: int) -> str:
    return f"{'-':>{width - 1}} " if base is None else f"{value / base:{width - 1}.2f}x"


def _print(rows: list[Row]) -> None:
    head = (
        f"{'task':10} {'lang':6} {'runner':28} {'p50 ms':>8} {'p95 ms':>8} {'subs/s':>7}"
        f" {'p50/warm':>9} {'p50/fresh':>10} {'subs/s/warm':>12} {'subs/s/fresh':>13}"
        f" {'run ms':>7} {'trusted ms':>11} {'cpu self ms':>12} {'cpu child ms':>13}"
        f" {'cold ms':>8}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        fresh_label, warm_label = BASELINES[row.language]
        fresh = _base(rows, row.task, row.language, fresh_label)
        warm = _base(rows, row.task, row.language, warm_label) if warm_label else None
        print(
            f"{row.task:10} {row.language:6} {row.runner:28} {_ms(row.p50):8.1f}"
            f" {_ms(row.p95):8.1f} {row.per_second:7.1f}"
            f" {_ratio(row.p50, warm and warm.p50, 9)} {_ratio(row.p50, fresh.p50, 10)}"
            f" {_ratio(row.per_second, warm and warm.per_second, 12)}"
            f" {_ratio(row.per_second, fresh.per_second, 13)} {_ms(row.run_p50):7.1f}"
            f" {_ms(row.trusted_p50):11.1f} {_ms(row.self_cpu):12.1f}"
            f" {_ms(row.child_cpu):13.1f} {_ms(row.cold_p50):8.1f}"
        )


def _base(rows: list[Row], task: str, language: str, label: str) -> Row:
    return next(
        r for r in rows if r.task == task and r.language == language and r.runner.startswith(label)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer submissions (~30 s)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    tasks = {t: load_task(CODING / t) for t in TASKS}
    runners: list[tuple[str, str, str, Callable[[], Runner]]] = [
        (
            "fresh base (unsafe python)",
            "python",
            "unsafe",
            lambda: UnsafeLocalRunner(allow_unsafe=True),
        ),
        (
            "warm base (unsafe forks, 2)",
            "python",
            "warm",
            lambda: UnsafeForkServerRunner(allow_unsafe=True, slots=2),
        ),
        ("fresh bwrap (Isolated)", "python", "fresh", lambda: IsolatedRunner(slots=2)),
        ("warm pool (Pooled, 2)", "python", "pool", lambda: PooledRunner(slots=2)),
        ("fresh Rscript (Isolated)", "r", "r fresh", lambda: IsolatedRunner(slots=2)),
        ("warm R pool (Pooled, 2)", "r", "r pool", lambda: PooledRunner(slots=2)),
    ]
    started = time.perf_counter()
    rows: list[Row] = []
    next_seed = SEED + 1
    for label, language, kind, make in runners:
        runner = Metered(make())
        try:
            for task in tasks.values():
                if language not in task.languages:
                    continue
                counts = plan[kind]
                seeds = list(range(next_seed, next_seed + counts.cold))
                next_seed += counts.cold
                rows.append(measure(task, language, label, runner, counts, seeds))
        finally:
            runner.close()
    # stable: per task, Python then R, baselines first
    rows.sort(key=lambda r: (TASKS.index(r.task), LANGUAGES.index(r.language)))
    print(
        f"\njudge: reference graded (public + hidden cases), {'quick' if args.quick else 'full'}"
        f" run, {time.perf_counter() - started:.0f} s\n"
    )
    _print(rows)
    print()
    for task_id in TASKS:
        pool = _base(rows, task_id, "python", "warm pool")
        warm = _base(rows, task_id, "python", "warm base")
        ratio = pool.p50 / warm.p50
        ok = ratio <= GOAL_WARM_RATIO
        print(
            f"goal {task_id}: warm-pool p50 <= {GOAL_WARM_RATIO}x the warm fork-server p50"
            f" ({_ms(pool.p50):.1f} vs {_ms(warm.p50):.1f} ms, {ratio:.2f}x): "
            f"{'met' if ok else 'NOT met'}"
        )
    pool = _base(rows, "affine", "python", "warm pool")
    ok = pool.per_second >= GOAL_PER_SECOND
    print(
        f"goal affine: >= {GOAL_PER_SECOND} graded submissions/s through the warm pool"
        f" ({pool.per_second:.1f}/s): {'met' if ok else 'NOT met'}"
    )
    for task_id in TASKS:
        r_rows = [r for r in rows if r.task == task_id and r.language == "r"]
        if not r_rows:
            continue
        warm_r = _base(r_rows, task_id, "r", "warm R pool")
        fresh_r = _base(r_rows, task_id, "r", "fresh Rscript")
        python = _base(rows, task_id, "python", "warm pool")
        print(
            f"R {task_id}: warm R pool p50 {_ms(warm_r.p50):.1f} ms vs fresh Rscript"
            f" {_ms(fresh_r.p50):.1f} ms ({fresh_r.p50 / warm_r.p50:.1f}x faster),"
            f" {warm_r.per_second:.1f} vs {fresh_r.per_second:.1f} subs/s"
            f" ({warm_r.per_second / fresh_r.per_second:.1f}x); the Python warm pool:"
            f" {_ms(python.p50):.1f} ms, {python.per_second:.1f} subs/s"
        )


if __name__ == "__main__":
    main()
