"""How one concept response earns its share of a question's points."""

from __future__ import annotations

from typing import Any

from app.bank.instances import is_correct, render_for_attempt
from app.bank.schemas import (
    ConceptItem,
    MultiChoiceItem,
    NumericItem,
    SingleChoiceItem,
    TrueFalseItem,
)


def credit(item: ConceptItem, response: dict[str, Any] | None, attempt_seed: int) -> float:
    """Return the fraction of the item's points earned, in [0, 1].

    multi_choice gives partial credit: (right picks - wrong picks) / number of right choices,
    never below 0, so ticking every box earns nothing.
    """
    if response is None:
        return 0.0
    if isinstance(item, SingleChoiceItem):
        return float(response.get("choice") == item.answer)
    if isinstance(item, TrueFalseItem):
        return float(response.get("value") is item.answer)
    if isinstance(item, MultiChoiceItem):
        picked = set(response.get("choices", []))
        right = set(item.answer)
        return max(0.0, (len(picked & right) - len(picked - right)) / len(right))
    return float(_numeric_is_right(item, response.get("value"), attempt_seed))


def _numeric_is_right(item: NumericItem, value: object, attempt_seed: int) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    target = render_for_attempt(item, attempt_seed) if item.is_parameterized else item
    return is_correct(target, value)
