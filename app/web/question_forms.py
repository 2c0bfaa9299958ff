"""The library's editor form: its fields to a QuestionDraft and back, so nothing typed is lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.questions.drafts import QuestionDraft
from app.questions.errors import QuestionInvalidError

CHOICE_IDS = ("a", "b", "c", "d", "e", "f")
KINDS = ("single_choice", "multi_choice", "true_false", "numeric", "coding")
_TEXT_FIELDS = (
    "kind", "difficulty", "points", "prompt", "explanation", "unit", "params", "let", "title",
    "statement", "starter", "reference", "spec", "tolerance_abs", "tolerance_rel",
    "forward_rtol", "forward_atol", "gradient_rtol", "gradient_atol", "numeric_answer",
    "tf_answer",
)  # fmt: skip


@dataclass
class EditorForm:
    """What the editor shows: every field as text, as the author typed it."""

    values: dict[str, str] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # choice ids marked right

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def kind(self) -> str:
        return self.values.get("kind", "single_choice")


def from_form(form: FormData) -> EditorForm:
    values = {name: str(form.get(name) or "") for name in _TEXT_FIELDS}
    values.update({f"choice_{c}": str(form.get(f"choice_{c}") or "") for c in CHOICE_IDS})
    if values["kind"] not in KINDS:
        values["kind"] = "single_choice"
    return EditorForm(
        values=values,
        skills=[str(s) for s in form.getlist("skills")],
        answers=[str(a) for a in form.getlist("answer")],
    )


def from_draft(draft: dict[str, Any]) -> EditorForm:
    """Fill the editor from a stored draft (draft_fields of a version or a check)."""
    kind = str(draft.get("kind", "single_choice"))
    values = {
        "kind": kind,
        "difficulty": str(draft.get("difficulty") or 1),
        "points": f"{draft.get('points') or 1:g}",
        "explanation": str(draft.get("explanation") or ""),
        "prompt": str(draft.get("prompt") or ""),
        "unit": str(draft.get("unit") or ""),
    }
    answers: list[str] = []
    for choice in draft.get("choices") or []:
        values[f"choice_{choice['id']}"] = choice["text"]
    answer = draft.get("answer")
    if kind == "true_false":
        values["tf_answer"] = "true" if answer else "false"
    elif kind == "numeric":
        values["numeric_answer"] = str(answer if answer is not None else "")
        tolerance = draft.get("tolerance") or {}
        values["tolerance_abs"] = _number(tolerance.get("abs"))
        values["tolerance_rel"] = _number(tolerance.get("rel"))
        values["params"] = _yaml(draft.get("params"))
        values["let"] = _yaml(draft.get("let"))
    elif isinstance(answer, list):
        answers = [str(a) for a in answer]
    elif answer is not None:
        answers = [str(answer)]
    if kind == "coding":
        for name in ("title", "statement", "starter", "reference", "spec"):
            values[name] = str(draft.get(name) or "")
        for which, tol in (draft.get("tolerances") or {}).items():
            values[f"{which}_rtol"] = _number(tol.get("rtol"))
            values[f"{which}_atol"] = _number(tol.get("atol"))
    return EditorForm(values=values, skills=list(draft.get("skills") or []), answers=answers)


def to_draft(form: EditorForm) -> QuestionDraft:
    """The draft the service checks; a field that cannot even be read is a named problem."""
    blank = dict.fromkeys((*_TEXT_FIELDS, *(f"choice_{c}" for c in CHOICE_IDS)), "")
    v = blank | form.values
    raw: dict[str, Any] = {
        "kind": form.kind,
        "skills": form.skills,
        "difficulty": _int(v, "difficulty"),
        "points": 1.0 if (points := _float(v, "points")) is None else points,
        "explanation": v["explanation"],
    }
    kind = form.kind
    if kind == "coding":
        raw |= {name: v[name] for name in ("title", "statement", "starter", "reference", "spec")}
        tolerances = {
            which: {"rtol": _float(v, f"{which}_rtol"), "atol": _float(v, f"{which}_atol")}
            for which in ("forward", "gradient")
            if v[f"{which}_rtol"] or v[f"{which}_atol"]
        }
        if tolerances:
            raw["tolerances"] = tolerances
    else:
        raw["prompt"] = v["prompt"]
    if kind in ("single_choice", "multi_choice"):
        raw["choices"] = [
            {"id": c, "text": v[f"choice_{c}"]} for c in CHOICE_IDS if v[f"choice_{c}"].strip()
        ]
        raw["answer"] = form.answers if kind == "multi_choice" else next(iter(form.answers), "")
    elif kind == "true_false":
        raw["answer"] = v["tf_answer"] == "true"
    elif kind == "numeric":
        raw |= _numeric(v)
    try:
        return QuestionDraft.model_validate(raw)
    except ValidationError as exc:
        raise QuestionInvalidError(
            [
                {"field": ".".join(str(p) for p in e["loc"]) or None, "error": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
        ) from None


def _numeric(v: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"unit": v["unit"] or None}
    tolerance = {"abs": _float(v, "tolerance_abs"), "rel": _float(v, "tolerance_rel")}
    out["tolerance"] = {k: x for k, x in tolerance.items() if x is not None}
    params = _mapping(v, "params")
    answer = v["numeric_answer"].strip()
    if params:
        out |= {"params": params, "let": _mapping(v, "let") or None, "answer": answer}
    else:
        out["answer"] = _float(v, "numeric_answer")
    return out


def _mapping(v: dict[str, str], name: str) -> dict[str, Any] | None:
    text = v[name].strip()
    if not text:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionInvalidError([{"field": name, "error": f"not valid YAML: {exc}"}]) from None
    if not isinstance(value, dict):
        raise QuestionInvalidError([{"field": name, "error": "write one `name: value` a line"}])
    return value


def _float(v: dict[str, str], name: str) -> float | None:
    text = v[name].strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problem: dict[str, object] = {"field": name, "error": f"{text!r} is not a number"}
        raise QuestionInvalidError([problem]) from None


def _int(v: dict[str, str], name: str) -> int | None:
    number = _float(v, name)
    if number is not None and not number.is_integer():
        raise QuestionInvalidError([{"field": name, "error": f"{v[name]!r} is not a whole number"}])
    return None if number is None else int(number)


def _number(value: object) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float | int) else str(value)


def _yaml(value: object) -> str:
    if not value:
        return ""
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=None).strip()
