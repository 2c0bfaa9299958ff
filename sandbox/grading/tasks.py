"""Coding tasks as data: TaskSpec and its parts, and the dims arithmetic of their shapes."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

# Markers a param or a model's init value may use to be drawn per case from the case's seed:
# {uniform: [lo, hi]}, {randint: [lo, hi]} (inclusive), {choice: [a, b, ...]}.
DRAWN = frozenset({"uniform", "randint", "choice"})
SKILLS = frozenset(
    {"forward_pass", "loss_functions", "gradient_descent", "chain_rule", "backward_pass"}
)


class TaskError(Exception):
    """A task folder is malformed, or its reference does not behave as the task says."""


class UnitKind(StrEnum):
    LAYER = "layer"
    FUNCTION = "function"
    LOSS = "loss"
    OPTIMIZER = "optimizer"
    MODEL = "model"


# A dimension is an int, a named dim ("N") or an arithmetic expression of named dims ("D1*D2").
Dim = int | str


@dataclass(frozen=True)
class InputSpec:
    """How one named input array is drawn for a case."""

    name: str
    shape: tuple[Dim, ...]
    dtype: str = "float64"
    dist: str = "normal"
    mean: float = 0.0
    std: float = 1.0
    low: float | str = 0.0
    high: float | str = 1.0
    p: float = 0.5
    min_abs: float = 0.0
    distinct: float = 0.0
    # labels only: drawn so that every hinge margin of these scores stays off its kink
    off_hinge: HingeSpec | None = None


@dataclass(frozen=True)
class HingeSpec:
    """Scores = the product of the named inputs (each flattened to 2-D); margin delta; min gap."""

    scores: tuple[str, ...]
    delta: float = 1.0
    gap: float = 1e-3


@dataclass(frozen=True)
class UnitSpec:
    """One thing the candidate writes that is checked on its own: a function pair, a loss, ..."""

    id: str
    kind: UnitKind
    args: tuple[str, ...]
    wrt: tuple[str, ...] = ()
    # layer: forward returns (*outputs, cache); each output's shape, in dims, sizes its dout
    outputs: Mapping[str, tuple[Dim, ...]] = field(default_factory=dict)
    forward: str = ""
    backward: str = ""
    call: str = ""
    state: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict)
    # optimizer: how many chained update steps, and which inputs get a fresh draw per step
    steps: int = 1
    per_step: tuple[str, ...] = ()
    # model: class name, constructor kwargs (JSON with {dim:}/{input:} markers), parameter names
    model_class: str = ""
    init: Mapping[str, Any] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    scores: bool = False
    # function: the outputs are the first entries of a returned tuple, or the value itself
    returns: str = "tuple"

    @property
    def functions(self) -> tuple[str, ...]:
        """Name the candidate's top-level names this unit calls."""
        names = (self.forward, self.backward, self.call, self.model_class)
        return tuple(n for n in names if n)


@dataclass(frozen=True)
class CaseSpec:
    """A case template: fixed or ranged dims, an optional fixed seed, literal param overrides."""

    dims: Mapping[str, int | tuple[int, int]]
    seed: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0


@dataclass(frozen=True)
class KinkSpec:
    """How far a case's inputs are from the task's non-differentiable points.

    `call` names a function of the task's kinks.py that takes the inputs and params named in
    `args` and returns that distance (ReLU inputs from 0, hinge margins from 0, the gap between
    a pooling window's two largest entries); a case closer than `margin` is drawn again.
    """

    call: str
    args: tuple[str, ...]
    margin: float = 1e-3


@dataclass(frozen=True)
class Tolerance:
    """Mixed criterion |a - r| <= atol * scale + rtol * |r|, scale = the reference's max |r|."""

    rtol: float
    atol: float


@dataclass(frozen=True)
class Tolerances:
    forward: Tolerance = Tolerance(rtol=1e-7, atol=1e-8)
    gradient: Tolerance = Tolerance(rtol=1e-9, atol=1e-9)
    # probe: rtol on the directional derivative, atol scaled by the gradient's 2-norm
    probe: Tolerance = Tolerance(rtol=1e-6, atol=1e-8)


@dataclass(frozen=True)
class Scoring:
    """Relative weights inside one (case, unit): each forward output, state entry, gradient,
    and the one check that every returned array has its documented shape."""

    forward: float = 1.0
    state: float = 1.0
    gradient: float = 1.0
    shape: float = 0.5


# Candidate languages, in the order a task lists them: Python always, then its other variants.
LANGUAGES = ("python", "r")
LANGUAGE_NAMES = {"python": "Python", "r": "R"}
# The solution file's name inside the child (tracebacks and messages use it).
SOURCE_FILES = {"python": "solution.py", "r": "solution.R"}


def language_of_file(name: str | Path) -> str:
    """The language of a solution file from its suffix: .R/.r -> r, anything else python."""
    return "r" if Path(name).suffix.lower() == ".r" else "python"


@dataclass(frozen=True)
class LanguageVariant:
    """A task in one candidate language: its statement, starter, reference and mutants.

    The cases, checks, tolerances and points are the task's, whatever the language.
    `one_based` names integer inputs that hold class indices: an R run gets them plus one.
    """

    language: str
    statement: str
    starter: str
    reference: str
    mutants: Mapping[str, str] = field(default_factory=dict)
    one_based: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    """A coding task as loaded from its folder; `version` is the folder's content hash."""

    id: str
    version: str
    title: str
    skills: tuple[str, ...]
    difficulty: int
    points: float
    statement: str
    starter: str
    reference: str
    functions: tuple[str, ...]
    dims: Mapping[str, str]
    inputs: Mapping[str, InputSpec]
    params: Mapping[str, Any]
    units: tuple[UnitSpec, ...]
    public_cases: tuple[CaseSpec, ...]
    hidden_cases: tuple[CaseSpec, ...]
    timing_case: CaseSpec | None
    tolerances: Tolerances = Tolerances()
    scoring: Scoring = Scoring()
    probes: int = 2
    step: float = 1e-5
    timing_ratio: float = 20.0
    explanation: str = ""
    mutants: Mapping[str, str] = field(default_factory=dict)
    kinks: KinkSpec | None = None
    kinks_source: str = ""  # kinks.py: run after the reference's source in the reference's child
    path: Path | None = None
    # fixtures.py: trusted helpers (a model's loss, graphs to build, planted functions) that
    # every run of this task loads after the code under test, so units can call them.
    fixtures: str = ""
    # Variants in languages other than Python (r/ in the task folder), by language id.
    variants: Mapping[str, LanguageVariant] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages a candidate may answer in: ("python",) or ("python", "r")."""
        return tuple(lang for lang in LANGUAGES if lang == "python" or lang in self.variants)

    def variant(self, language: str) -> LanguageVariant:
        """The task in `language`; ValueError when the task does not offer it."""
        if language == "python":
            return LanguageVariant(
                "python", self.statement, self.starter, self.reference, self.mutants
            )
        if language not in self.variants:
            offered = ", ".join(self.languages)
            raise ValueError(f"task {self.id} is not offered in {language!r} (only {offered})")
        return self.variants[language]

    def program(self, source: str) -> str:
        """The module a run of `source` loads: the source, then the task's fixtures (if any)."""
        if not self.fixtures:
            return source
        banner = f"# ---- fixtures of task {self.id}, appended by the judge ----"
        return f"{source.rstrip()}\n\n\n{banner}\n{self.fixtures}"

    @property
    def reference_run_source(self) -> str:
        """The reference as its child runs it: reference.py, then kinks.py when there is one."""
        program = self.program(self.reference)
        return f"{program}\n\n{self.kinks_source}" if self.kinks else program


def eval_dim(expr: Dim, dims: Mapping[str, int]) -> int:
    """Evaluate a dimension: an int, a dim name, or + - * // over dims and ints."""
    if isinstance(expr, int):
        return expr
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise TaskError(f"bad dimension expression {expr!r}") from exc
    return _eval_node(tree.body, dims, expr)


def _eval_node(node: ast.expr, dims: Mapping[str, int], expr: str) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in dims:
            raise TaskError(f"dimension {node.id!r} in {expr!r} is not defined")
        return dims[node.id]
    if isinstance(node, ast.BinOp):
        left = _eval_node(node.left, dims, expr)
        right = _eval_node(node.right, dims, expr)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv) and right != 0:
            return left // right
    raise TaskError(f"bad dimension expression {expr!r} (use ints, names, + - * //)")


def resolve_dims(task: TaskSpec, dims: Mapping[str, int]) -> dict[str, int]:
    """Add the task's derived dims (e.g. D = D1*D2) to a case's drawn dims."""
    resolved = dict(dims)
    for name, expr in task.dims.items():
        resolved[name] = eval_dim(expr, resolved)
    return resolved
