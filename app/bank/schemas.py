"""Schemas of concept items as written in question_bank/concepts/**.yaml (DESIGN.md §5)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, StrictInt, model_validator

from app.skills import Skill

ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"
    CODING = "coding"


# A number: an int or a float, never a boolean (`true` is not 1).
Number = Annotated[float, Strict()]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,16}$")]
    text: Annotated[str, Field(min_length=1)]


class Tolerance(_Strict):
    """A response r is right when |r - answer| <= abs + rel * |answer|."""

    abs: Number = Field(default=0.0, ge=0)
    rel: Number = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _not_zero(self) -> Tolerance:
        if self.abs == 0 and self.rel == 0:
            raise ValueError("a tolerance needs abs or rel > 0")
        return self


class Uniform(_Strict):
    """A float drawn uniformly from [low, high], rounded to `decimals`, optionally away from 0."""

    uniform: tuple[Number, Number]
    decimals: StrictInt = Field(default=2, ge=0, le=6)
    min_abs: Number = Field(default=0.0, ge=0)


class Integers(_Strict):
    """An integer drawn uniformly from [low, high] inclusive."""

    integers: tuple[StrictInt, StrictInt]


class OneOf(_Strict):
    """One value drawn from a fixed list."""

    choice: list[StrictInt | Number]


ParamSpec = Uniform | Integers | OneOf


class _ItemBase(_Strict):
    id: ItemId
    skills: Annotated[list[Skill], Field(min_length=1)]
    difficulty: Literal[1, 2, 3]
    points: Number = Field(default=1.0, gt=0)
    prompt: Annotated[str, Field(min_length=1)]
    explanation: Annotated[str, Field(min_length=1)]
    tags: list[str] = Field(default_factory=list)


class SingleChoiceItem(_ItemBase):
    kind: Literal[QuestionKind.SINGLE_CHOICE]
    choices: Annotated[list[Choice], Field(min_length=2)]
    answer: str

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> SingleChoiceItem:
        _check_choices(self.choices, [self.answer])
        return self


class MultiChoiceItem(_ItemBase):
    kind: Literal[QuestionKind.MULTI_CHOICE]
    choices: Annotated[list[Choice], Field(min_length=3)]
    answer: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _answers_are_choices(self) -> MultiChoiceItem:
        _check_choices(self.choices, self.answer)
        return self


class TrueFalseItem(_ItemBase):
    kind: Literal[QuestionKind.TRUE_FALSE]
    answer: StrictBool


class NumericItem(_ItemBase):
    """A numeric item; parameterized when `params` is set.

    Then `prompt` holds `{name}` placeholders, `let` binds derived values in order, and `answer`
    is an expression over params and lets (see app.bank.expressions), evaluated per attempt seed.
    """

    kind: Literal[QuestionKind.NUMERIC]
    answer: Number | str
    tolerance: Tolerance
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    let: dict[str, str] = Field(default_factory=dict)
    # Named expressions for the wrong answers people really give (a sign error, a forgotten term,
    # an off-by-one); validation checks that the tolerance refuses them.
    mistakes: dict[str, str] = Field(default_factory=dict)
    unit: str | None = None

    @model_validator(mode="after")
    def _expression_needs_params(self) -> NumericItem:
        if isinstance(self.answer, str) and not self.params:
            raise ValueError("an answer expression needs params; write a number otherwise")
        if self.params and not isinstance(self.answer, str):
            raise ValueError("a parameterized item needs an answer expression")
        if self.mistakes and not self.params:
            raise ValueError("mistakes are expressions over params; a fixed item has none")
        return self

    @property
    def is_parameterized(self) -> bool:
        return bool(self.params)


ConceptItem = Annotated[
    SingleChoiceItem | MultiChoiceItem | TrueFalseItem | NumericItem,
    Field(discriminator="kind"),
]


def _check_choices(choices: list[Choice], answers: list[str]) -> None:
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        raise ValueError("choice ids must be unique")
    unknown = [a for a in answers if a not in ids]
    if unknown:
        raise ValueError(f"answer names unknown choices: {unknown}")
    if len(set(answers)) != len(answers):
        raise ValueError("answer lists a choice twice")
