"""What differs between candidate languages on the trusted side: the job sent, the outputs read.

The cases, plans and checks are the same for every language. An R run differs in two ways,
both undone here so the checks see exactly what a Python run would send:
- class-index inputs the R statement numbers from 1 (the variant's `one_based`) are sent plus
  one, and the copies the plan keeps to see whether the code modified them come back minus one;
- R has no scalars: a length-1 vector without dim comes back as shape (1,), and stands for a
  scalar where the reference returned one (a loss).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from sandbox.grading.plans import Plan
from sandbox.grading.tasks import LanguageVariant, TaskSpec
from sandbox.runners import RunOutcome
from sandbox.wire import Job

# A candidate-only output key -> the reference output it mirrors: "c/u/grad2/x" -> "c/u/grad/x",
# "c/u/out/loss#rep" -> "c/u/out/loss".
_VARIANT = re.compile(r"/grad(?:2|0|rep)/")


def job(task: TaskSpec, variant: LanguageVariant, source: str, plan: Plan) -> Job:
    """The job that runs `source` (in the variant's language) on a plan."""
    if variant.language == "python":
        return Job(source=task.program(source), arrays=plan.arrays, plan=plan.steps)
    # Job arrays are named "<case>:<input>" ("<case>:<input>@<step>" for per-step draws).
    arrays = {
        name: _shifted(name.rpartition(":")[2].partition("@")[0], value, variant, +1)
        for name, value in plan.arrays.items()
    }
    return Job(source=source, arrays=arrays, plan=plan.steps, language=variant.language)


def outcome(
    variant: LanguageVariant, run: RunOutcome, reference: dict[str, np.ndarray[Any, Any]]
) -> RunOutcome:
    """A run's outcome as the checks read it (see the module docstring); Python's unchanged."""
    result = run.result
    if variant.language == "python" or result is None:
        return run
    outputs = {}
    for key, value in result.outputs.items():
        if value.shape == (1,) and np.ndim(reference.get(_mirrored(key), value)) == 0:
            value = value.reshape(())
        if "/after/" in key:
            value = _shifted(key.rpartition("/")[2], value, variant, -1)
        outputs[key] = value
    return replace(run, result=replace(result, outputs=outputs))


def _mirrored(key: str) -> str:
    return _VARIANT.sub("/grad/", key).removesuffix("#rep")


def _shifted(
    name: str, value: np.ndarray[Any, Any], variant: LanguageVariant, by: int
) -> np.ndarray[Any, Any]:
    if name in variant.one_based and value.dtype.kind in "iuf":
        return value + by
    return value
