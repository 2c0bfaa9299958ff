"""Custom concept items: checked like the bank's, each parameterized one over 200 seeds."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.bank.instances import WELL_CONDITIONED_SEEDS, well_conditioned
from app.bank.schemas import ConceptItem, NumericItem
from app.questions.drafts import QuestionDraft
from app.questions.errors import QuestionInvalidError

_adapter: TypeAdapter[ConceptItem] = TypeAdapter(ConceptItem)
_CONCEPT_FIELDS = (
    "kind", "skills", "difficulty", "points", "prompt", "explanation", "tags", "choices",
    "answer", "tolerance", "params", "let", "mistakes", "unit",
)  # fmt: skip
_SEED = re.compile(r"\bseed (\d+)")


def concept_item(question_id: str, draft: QuestionDraft) -> ConceptItem:
    """Build and check the item; QuestionInvalidError names each problem (and its seed)."""
    raw: dict[str, Any] = {"id": question_id}
    for name in _CONCEPT_FIELDS:
        value = getattr(draft, name)
        if value is not None:
            raw[name] = value.model_dump() if hasattr(value, "model_dump") else value
    if draft.choices is not None:
        raw["choices"] = [c.model_dump() for c in draft.choices]
    if draft.params is not None:
        raw["params"] = {k: v.model_dump() for k, v in draft.params.items()}
    try:
        item = _adapter.validate_python(raw)
    except ValidationError as exc:
        raise QuestionInvalidError(
            [
                {"field": ".".join(str(p) for p in e["loc"][1:]) or None, "error": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
        ) from None
    if isinstance(item, NumericItem):
        problems = well_conditioned(item, range(WELL_CONDITIONED_SEEDS))
        if problems:
            raise QuestionInvalidError([_seed_problem(question_id, p) for p in problems])
    return item


def _seed_problem(question_id: str, problem: str) -> dict[str, object]:
    # The messages name the item by its generated id, which tells an author nothing.
    text = problem.replace(f"{question_id}: ", "").replace(f"{question_id} ", "")
    found = _SEED.search(text)
    seed = int(found.group(1)) if found else None
    if found:
        text = _SEED.sub("", text, count=1).lstrip(": ").strip()
    return {"field": "answer", "seed": seed, "error": text}
