"""What the coding bank's drawn cases promise the candidate, over many attempts' seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import TaskSpec, load_task
from sandbox.grading.cases import build_cases

CODING = Path(__file__).resolve().parents[2] / "question_bank" / "coding"
SEEDS = range(40)


@pytest.fixture(scope="module")
def max_pool() -> TaskSpec:
    return load_task(CODING / "max_pool")


def test_every_max_pool_case_tiles_the_input_exactly(max_pool: TaskSpec) -> None:
    # The usual course docstring lets students assume (H - PH) % S == 0 and (W - PW) % S == 0.
    seen = set()
    for seed in SEEDS:
        for case in build_cases(max_pool, seed=seed, hidden=True):
            d = case.dims
            seen.add((d["H"], d["W"], d["PH"], d["PW"], d["S"]))
            assert (d["H"] - d["PH"]) % d["S"] == 0, (case.name, dict(d))
            assert (d["W"] - d["PW"]) % d["S"] == 0, (case.name, dict(d))
    assert len(seen) > 10  # the hidden ranges still vary the sizes
    assert "(W \N{MINUS SIGN} pool_width) % stride == 0" in max_pool.statement
