"""Benchmark what a sleeping submission costs everyone else on the embedded default (SQLite).

Starts a real `chainrule serve` on a fresh SQLite file, then times another organization's
requests (the recruiter's assessment list, the candidate's page data and autosave) first with
nothing grading (the baseline), then while two candidates' code sleeps in the sandbox and keeps
both grading threads busy. Prints a table with ratios against the baseline.

    .venv/bin/python bench/grading_stall.py [--sleep 6] [--repo PATH]

`--repo` serves another checkout of the project (e.g. an older commit unpacked with `git
archive`) with this checkout's client side, to compare before and after a change.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.servers import free_port, running_server
from tests.e2e.stall import (
    Bystander,
    Timed,
    api_client,
    create_orgs,
    sleeper,
    start_sleeping_runs,
)

REQUESTS = ["GET assessments (org)", "GET take overview", "PUT answer (autosave)"]
GOAL_SECONDS = 1.0


def _ms(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sleep", type=float, default=6.0, help="seconds the code sleeps")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = {**os.environ, "DATABASE_URL": url, "PUBLIC_BASE_URL": base}
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
        with running_server(command, env, base, cwd=args.repo):
            sleepy_key, busy_key = create_orgs(url, ["sleepy", "busy"])
            with api_client(base, sleepy_key) as sleepy, api_client(base, busy_key) as busy:
                idle = Bystander.started(busy)
                started = time.monotonic()
                while time.monotonic() - started < 3:
                    idle.round()
                during = Bystander(Timed(busy), idle.token, idle.question)
                runs = start_sleeping_runs(sleepy, sleeper(args.sleep), 2)
                # From the submission on, until both runs are graded: every request counts,
                # whether it found the runs queued, running or graded.
                started = time.monotonic()
                seen: set[str] = set()
                while time.monotonic() - started < args.sleep * 3:
                    during.round()
                    status = [
                        during.timed("GET run (poll)", "GET", r).json()["status"] for r in runs
                    ]
                    seen.update(status)
                    if set(status) == {"graded"}:
                        break
                graded_after = time.monotonic() - started

    print(f"another organization's requests, idle vs two submissions sleeping {args.sleep:g} s")
    print(
        f"(served from {args.repo}; run states seen: {', '.join(sorted(seen))}; "
        f"both graded {graded_after:.1f} s after submitting)\n"
    )
    header = (
        f"{'request':24} {'n idle':>6} {'idle p50':>9} {'idle max':>9} {'n':>5} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50 vs idle':>12} {'max vs idle':>12}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for what in [*REQUESTS, "GET run (poll)"]:
        got = during.timed.seconds(what)
        base_s = idle.timed.seconds(what)
        worst = max(worst, got[-1])
        if base_s:
            p50 = base_s[len(base_s) // 2]
            baseline = f"{len(base_s):6} {p50 * 1000:9.1f} {base_s[-1] * 1000:9.1f}"
            ratios = f"{_ms(got, 0.5) / 1000 / p50:11.1f}x {got[-1] / p50:11.1f}x"
        else:  # the runs exist only in the second phase
            baseline, ratios = f"{'-':>6} {'-':>9} {'-':>9}", f"{'-':>12} {'-':>12}"
        print(
            f"{what:24} {baseline} {len(got):5} {_ms(got, 0.5):8.1f} {_ms(got, 0.95):8.1f} "
            f"{got[-1] * 1000:8.1f} {ratios}"
        )
    errors = [code for _, code, _ in during.timed.seen if code >= 500]
    met = worst < GOAL_SECONDS and not errors
    print(
        f"\ngoal: every request under {GOAL_SECONDS:g} s while code sleeps, no 5xx "
        f"(worst {worst * 1000:.0f} ms, {len(errors)} errors): {'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
