"""Step ids, output keys and the JSON expressions the call plans are built from.

``Keys`` names every step and kept output of one (case, unit), so the plans and the checks
agree on where each value is; the expressions follow the Job format of docs/judge-contract.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.grading.cases import Case
from sandbox.grading.tasks import UnitSpec

Expr = dict[str, Any]


class Keys:
    """Step ids and output names of one (case, unit); shared by the plan builders and the grader."""

    def __init__(self, case: str, unit: str) -> None:
        self.prefix = f"{case}/{unit}"

    def __call__(self, *parts: object) -> str:
        return "/".join((self.prefix, *(str(p) for p in parts)))

    def out(self, name: str) -> str:
        return self("out", name)

    def state(self, name: str) -> str:
        return self("state", name)

    def grad(self, wrt: str, variant: str = "") -> str:
        return self(f"grad{variant}", wrt)

    def after(self, name: str) -> str:
        return self("after", name)

    def probe(self, wrt: str, k: int, sign: str, name: str) -> str:
        return self("probe", wrt, k, sign, name)


# --------------------------------------------------------------------------- expressions


def param_expr(value: Any, case: Case) -> Expr:
    """Turn a literal param into a plan expression; {input: X} and {dim: D} are substituted."""
    return {"value": None} if value is None else _expr(value, case)


def _expr(value: Any, case: Case) -> Expr:
    if isinstance(value, dict):
        if set(value) == {"input"}:
            return {"array": case.array_name(str(value["input"]))}
        if set(value) == {"dim"}:
            return {"value": case.dims[str(value["dim"])]}
        return {"dict": {str(k): _expr(v, case) for k, v in value.items()}}
    if isinstance(value, list):
        return {"list": [_expr(v, case) for v in value]}
    return {"value": value}


def arg_expr(name: str, case: Case, overrides: Mapping[str, str] | None = None) -> Expr:
    """Expression of one forward argument: an input array (maybe replaced) or a fresh param."""
    if overrides and name in overrides:
        return {"array": overrides[name]}
    if name in case.inputs:
        return {"array": case.array_name(name)}
    return param_expr(case.params[name], case)


def ref(step_id: str, *path: object) -> Expr:
    return {"ref": step_id, "path": list(path)}


def grad_paths(unit: UnitSpec, offset: int = 0) -> dict[str, list[Any]]:
    # A backward with one gradient returns it bare (relu_backward -> dx), several as a tuple.
    if len(unit.wrt) == 1 and offset == 0:
        return {unit.wrt[0]: []}
    return {w: [offset + i] for i, w in enumerate(unit.wrt)}
