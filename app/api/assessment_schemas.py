"""Bodies of the assessment builder's REST twins: pools, settings, and what reads show of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from app.api.text import check_storable
from app.skills import Skill

Percent = Annotated[StrictInt, Field(ge=0, le=100)]
TimeLimit = Annotated[StrictInt, Field(ge=1, le=600)]


class _In(BaseModel):
    """A request body as app.api.schemas takes them: unknown fields and unstorable text refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: object) -> object:
        check_storable(data)
        return data


class PoolIn(_In):
    """`count` random questions of `kind` with `skill` at `difficulty`, drawn per candidate."""

    kind: Literal["concept", "coding"] = "concept"
    skill: Skill
    difficulty: Annotated[StrictInt, Field(ge=1, le=3)]
    count: Annotated[StrictInt, Field(ge=1, le=50)]


class PoolRead(BaseModel):
    kind: str
    skill: str
    difficulty: int
    count: int


class AssessmentPatch(_In):
    """The settings to change; the others keep their value (`pass_mark_percent: null` clears it)."""

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    time_limit_minutes: TimeLimit | None = None
    pass_mark_percent: Percent | None = None
    candidates_see_results: StrictBool | None = None
    shuffle_questions: StrictBool | None = None
    shuffle_choices: StrictBool | None = None
    question_ids: Annotated[list[str], Field(max_length=200)] | None = Field(
        default=None,
        description="The questions picked by hand, in order; sent with `pools` or alone, it "
        "replaces them (refused with 409 questions-locked once candidates are invited)",
    )
    pools: Annotated[list[PoolIn], Field(max_length=30)] | None = Field(
        default=None, description="The pools that replace the current ones (as `question_ids`)"
    )

    def changes(self) -> dict[str, object]:
        """The settings sent; a null only where it means something (clearing the pass mark)."""
        sent = self.model_dump(exclude_unset=True, exclude={"question_ids", "pools"})
        return {k: v for k, v in sent.items() if v is not None or k == "pass_mark_percent"}


class BuilderFields(BaseModel):
    """What the builder adds to an assessment's read."""

    pools: list[PoolRead] = Field(description="Drawn for each candidate from their attempt's seed")
    question_count: int = Field(description="How many questions every candidate's form has")
    min_score: float = Field(
        description="The fewest points a candidate's form carries: below `max_score` when a pool "
        "draws questions of different points"
    )
    invitation_count: int = Field(description="Candidates invited")
    completion_count: int = Field(description="Attempts submitted or ended by the clock")
    pass_mark_percent: int | None
    shuffle_questions: bool
    shuffle_choices: bool
    form_seed: int | None = Field(description="The seed the role template's form was drawn with")
    archived_at: datetime | None
