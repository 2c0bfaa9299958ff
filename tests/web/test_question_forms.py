"""The editor's form round-trips every kind: what a stored draft fills in is what it saves."""

from __future__ import annotations

from typing import Any

import pytest

from app.questions.drafts import QuestionDraft
from app.questions.errors import QuestionInvalidError
from app.web import question_forms as forms
from tests.questions.drafts import choice_draft, coding_draft, numeric_draft

DRAFTS: dict[str, dict[str, Any]] = {
    "single_choice": choice_draft(),
    "multi_choice": choice_draft(kind="multi_choice", answer=["a", "c"]),
    "true_false": {
        "kind": "true_false",
        "skills": ["chain_rule"],
        "difficulty": 3,
        "prompt": "Gradients add at a fork.",
        "answer": True,
        "explanation": "The multivariate chain rule.",
    },
    "numeric": numeric_draft(),
    "coding": coding_draft(tolerances={"forward": {"rtol": 1e-6, "atol": 1e-8}}),
}


@pytest.mark.parametrize("kind", DRAFTS)
def test_a_draft_survives_the_editor(kind: str) -> None:
    draft = DRAFTS[kind]
    saved = forms.to_draft(forms.from_draft(draft)).model_dump(exclude_none=True, mode="json")
    expected = QuestionDraft.model_validate(draft).model_dump(exclude_none=True, mode="json")
    for name in draft:
        assert saved[name] == expected[name], name


def test_unreadable_numbers_and_yaml_are_named() -> None:
    form = forms.from_draft(numeric_draft())
    form.values["tolerance_rel"] = "one percent"
    with pytest.raises(QuestionInvalidError) as caught:
        forms.to_draft(form)
    assert caught.value.problems[0]["field"] == "tolerance_rel"
    form = forms.from_draft(numeric_draft())
    form.values["params"] = "a: [1"
    with pytest.raises(QuestionInvalidError) as caught:
        forms.to_draft(form)
    assert caught.value.problems[0]["field"] == "params"
