"""Custom coding tasks as the judge's folder format: task.yaml, statement, starter, reference."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from app.grading import authoring
from app.questions.drafts import QuestionDraft
from app.questions.errors import QuestionInvalidError

# The case spec an author writes; the metadata comes from the form, and kinks, fixtures and
# autodiff are bank-only (they are files the bank's maintainers review).
SPEC_KEYS = frozenset(
    {"functions", "dims", "inputs", "params", "units", "cases", "probes", "step", "timing_ratio",
     "scoring"}
)  # fmt: skip
_TMP_PATH = re.compile(r"/\S*?/(?=task\.yaml)|/tmp/chainrule-task-[^/\s]+/[^/\s]+/?")


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: an alias bomb must not expand in this process."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("anchors and aliases (&, *) are not allowed in the case spec")
        return super().compose_node(parent, index)


@dataclass(frozen=True)
class CodingContent:
    content: dict[str, Any]
    version: str
    functions: list[str]


def coding_content(question_id: str, draft: QuestionDraft) -> CodingContent:
    """Build the stored content of a task and load it as the judge will (no code runs)."""
    missing = [
        name
        for name in ("title", "statement", "starter", "reference", "spec")
        if not getattr(draft, name)
    ]
    if missing:
        raise QuestionInvalidError(
            [{"field": name, "error": "a coding task needs this field"} for name in missing]
        )
    assert draft.spec is not None  # for the type checker: checked above
    spec = _spec(draft.spec)
    meta: dict[str, Any] = {
        "id": question_id,
        "title": draft.title,
        "skills": [s.value for s in draft.skills],
        "difficulty": draft.difficulty,
        "points": draft.points,
        "explanation": draft.explanation,
    }
    if draft.tolerances is not None:
        meta["tolerances"] = draft.tolerances.model_dump(exclude_none=True)
    files = {
        "task.yaml": yaml.safe_dump({**meta, **spec}, sort_keys=False, allow_unicode=True),
        "statement.md": draft.statement or "",
        "starter.py": draft.starter or "",
        "reference.py": draft.reference or "",
    }
    try:
        task = authoring.load_custom_task(question_id, files)
    except authoring.TaskError as exc:
        raise QuestionInvalidError([{"field": "spec", "error": _clean(str(exc))}]) from None
    content: dict[str, Any] = {
        "id": question_id,
        "kind": "coding",
        "title": task.title,
        "statement": task.statement,
        "starter": task.starter,
        "functions": list(task.functions),
        "files": files,
        # What the editor shows again: the author's own text of the spec.
        "spec": draft.spec
        if isinstance(draft.spec, str)
        else yaml.safe_dump(spec, sort_keys=False),
        "explanation": draft.explanation,
        "tags": list(draft.tags),
    }
    return CodingContent(content, task.version, list(task.functions))


def _spec(raw: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = yaml.load(raw, Loader=_NoAliases)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise QuestionInvalidError(
                [{"field": "spec", "error": f"not valid YAML: {exc}"}]
            ) from None
    if not isinstance(raw, dict):
        raise QuestionInvalidError([{"field": "spec", "error": "the spec is a mapping of keys"}])
    unknown = sorted(str(k) for k in raw if k not in SPEC_KEYS)
    if unknown:
        raise QuestionInvalidError(
            [{"field": "spec", "error": f"unknown keys {unknown}; allowed: {sorted(SPEC_KEYS)}"}]
        )
    return raw


def _clean(message: str) -> str:
    # The judge names the temporary folder it loaded; the author knows the task as "the spec".
    return _TMP_PATH.sub("", message)
