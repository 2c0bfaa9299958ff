"""What a candidate may see of a question: never answers, explanations or hidden data."""

from __future__ import annotations

from typing import Any

from app.bank.choices import choice_order
from app.bank.instances import render_for_attempt
from app.bank.items import parse_item
from app.bank.languages import code_languages
from app.bank.schemas import NumericItem, QuestionKind
from app.models import QuestionVersion

_CODING_FIELDS = ("title", "statement", "starter", "functions")


def candidate_question(
    question: QuestionVersion, attempt_seed: int, shuffle_choices: bool = True
) -> dict[str, Any]:
    """Render one question for the candidate, with this attempt's numbers when parameterized."""
    view: dict[str, Any] = {
        "id": question.question_id,
        "kind": question.kind,
        "points": question.points,
    }
    if question.kind == QuestionKind.CODING:
        view.update({k: question.content.get(k) for k in _CODING_FIELDS})
        view["prompt"] = question.content.get("title", "")
        # `statement` and `starter` above stay the Python ones, for clients that know no other.
        view["languages"] = [
            {"id": lang.id, "name": lang.name, "statement": lang.statement, "starter": lang.starter}
            for lang in code_languages(question.content)
        ]
        return view
    item = parse_item(question.id, question.content)
    view["prompt"] = item.prompt
    if isinstance(item, NumericItem):
        if item.is_parameterized:
            view["prompt"] = render_for_attempt(item, attempt_seed).prompt
        view["unit"] = item.unit
    choices = question.content.get("choices")
    if choices is not None:
        # Shown in this attempt's own order, so the written position of the key tells nothing.
        texts = {c["id"]: c["text"] for c in choices}
        order = choice_order(attempt_seed, question.question_id, list(texts), shuffle_choices)
        view["choices"] = [{"id": choice_id, "text": texts[choice_id]} for choice_id in order]
    return view
