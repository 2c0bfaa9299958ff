"""What an author sends for a custom question: one shape for the API and the editor pages."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from app.bank.schemas import Choice, Number, ParamSpec, QuestionKind, Tolerance
from app.skills import Skill

MAX_TEXT = 20_000  # a prompt, a statement, an explanation, the case spec
MAX_CODE = 64 * 1024  # as a candidate's answer


class CodeTolerance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rtol: Annotated[Number, Field(ge=0, le=1)]
    atol: Annotated[Number, Field(ge=0, le=1)]


class CodingTolerances(BaseModel):
    """The judge's tolerances; omitted ones keep the judge's defaults."""

    model_config = ConfigDict(extra="forbid")

    forward: CodeTolerance | None = None
    gradient: CodeTolerance | None = None
    probe: CodeTolerance | None = None


class QuestionDraft(BaseModel):
    """A custom question: the concept fields by kind, or a coding task's files and case spec.

    Concept kinds follow the bank's schema (question_bank/concepts/README.md); a numeric
    item is parameterized by `params` and an `answer` expression. A coding task gives
    `title`, `statement` (Markdown), `starter`, `reference`, `spec` (the task.yaml keys
    functions, dims, inputs, params, units, cases, as YAML text or an object) and `tolerances`.
    """

    model_config = ConfigDict(extra="forbid")

    kind: QuestionKind
    skills: Annotated[list[Skill], Field(min_length=1, max_length=5)]
    difficulty: Annotated[StrictInt, Field(ge=1, le=3)]
    points: Annotated[Number, Field(gt=0, le=100)] = 1.0
    explanation: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    tags: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)] = []
    # concept kinds
    prompt: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    choices: Annotated[list[Choice], Field(max_length=12)] | None = None
    answer: str | list[str] | StrictBool | Number | None = None
    tolerance: Tolerance | None = None
    params: Annotated[dict[str, ParamSpec], Field(max_length=12)] | None = None
    let: Annotated[dict[str, str], Field(max_length=24)] | None = None
    mistakes: Annotated[dict[str, str], Field(max_length=12)] | None = None
    unit: Annotated[str, Field(max_length=40)] | None = None
    # coding tasks
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    statement: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    starter: Annotated[str, Field(max_length=MAX_CODE)] | None = None
    reference: Annotated[str, Field(max_length=MAX_CODE)] | None = None
    spec: Annotated[str, Field(max_length=MAX_TEXT)] | dict[str, Any] | None = None
    tolerances: CodingTolerances | None = None


def draft_fields(content: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of stored content (a version's or a check's), as a draft has them."""
    if content.get("kind") != QuestionKind.CODING:
        fields = {k: v for k, v in content.items() if k != "id"}
        return fields
    files: dict[str, str] = content.get("files", {})
    meta = yaml.safe_load(files.get("task.yaml", "")) or {}
    return {
        "kind": "coding",
        "skills": meta.get("skills", []),
        "difficulty": meta.get("difficulty"),
        "points": meta.get("points"),
        "explanation": meta.get("explanation", ""),
        "tags": content.get("tags", []),
        "title": content.get("title"),
        "statement": files.get("statement.md", ""),
        "starter": files.get("starter.py", ""),
        "reference": files.get("reference.py", ""),
        "spec": content.get("spec", ""),
        "tolerances": meta.get("tolerances"),
    }
