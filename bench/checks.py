"""Benchmark the trusted checks: grading work outside the child, per submission, per task.

Grades each task's reference and one mutant once through the warm pool and records the child's
outcome; then grades the same submission many times more through a runner that replays that
outcome at once, so all that is measured is trusted work (the cached reference lookup, every
check, the report). It is measured in thread CPU time, which a busy machine inflates far less
than wall time: the minimum is the figure for an idle machine, the median what this one gave.
The child's own run (runner.run wall time, warm pool) is measured in the same run as the
yardstick: `trusted / run` is the share the checks add to a submission's latency.

    .venv/bin/python bench/checks.py            # ~30 s
    .venv/bin/python bench/checks.py --quick    # ~15 s, noisier
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import Limits, PooledRunner, Runner, RunOutcome, TaskSpec, grade, load_task
from sandbox.wire import Job

CODING = Path(__file__).resolve().parents[1] / "question_bank" / "coding"
TASKS = ("affine", "batchnorm", "conv", "two_layer_net")
SEED = 1234
GOAL_AFFINE_MS = 2.0


@dataclass
class Replay:
    """Answer every run with one recorded outcome, at once."""

    outcome: RunOutcome

    def run(self, job: Job, limits: Limits) -> RunOutcome:  # noqa: ARG002 - the Runner protocol
        return self.outcome

    def close(self) -> None:
        pass


@dataclass
class Recorder:
    """Pass runs through; keep the last outcome and every run's wall time."""

    inner: Runner
    last: RunOutcome | None = None
    walls: list[float] = field(default_factory=list)

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        start = time.perf_counter()
        self.last = self.inner.run(job, limits)
        self.walls.append(time.perf_counter() - start)
        return self.last

    def close(self) -> None:
        pass


def _trusted_cpu_ms(task: TaskSpec, source: str, outcome: RunOutcome, repeats: int) -> list[float]:
    replay = Replay(outcome)
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        grade(task, source, runner=replay, seed=SEED, hidden=True)
        times.append((time.thread_time() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats, runs = (60, 8) if args.quick else (200, 20)
    pool = PooledRunner(slots=1)
    rows = []
    try:
        for task_id in TASKS:
            task = load_task(CODING / task_id)
            mutant_name, mutant = sorted(task.mutants.items())[0]
            for label, source in (("reference", task.reference), (mutant_name, mutant)):
                recorder = Recorder(pool)
                grade(task, source, runner=recorder, seed=SEED, hidden=True)  # caches the ref
                recorder.walls.clear()
                for _ in range(runs):
                    grade(task, source, runner=recorder, seed=SEED, hidden=True)
                run_ms = statistics.median(recorder.walls) * 1000
                assert recorder.last is not None
                cpu = _trusted_cpu_ms(task, source, recorder.last, repeats)
                rows.append((task_id, label, min(cpu), statistics.median(cpu), run_ms))
    finally:
        pool.close()
    print(f"\nchecks: trusted CPU per graded submission (public + hidden cases), seed {SEED}\n")
    head = (
        f"{'task':14} {'submission':26} {'cpu ms min':>10} {'cpu ms p50':>10}"
        f" {'run ms p50':>10} {'trusted/run':>11}"
    )
    print(head)
    print("-" * len(head))
    for task_id, label, low, mid, run in rows:
        print(f"{task_id:14} {label:26} {low:10.2f} {mid:10.2f} {run:10.1f} {mid / run:10.2f}x")
    affine = max(low for task_id, _, low, _, _ in rows if task_id == "affine")
    met = "met" if affine < GOAL_AFFINE_MS else "NOT met"
    print(f"\ngoal affine: trusted CPU (min) < {GOAL_AFFINE_MS:g} ms: {met} ({affine:.2f} ms)")


if __name__ == "__main__":
    main()
