"""Request and response bodies of the REST API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from app.api.assessment_schemas import BuilderFields, Percent, PoolIn, TimeLimit
from app.api.text import check_storable
from app.attempts.integrity import MAX_PER_BATCH, WITH_DURATION, WITH_LENGTH, EventType

# Revisions are 32-bit integers in the database; a larger base can never match one.
MAX_REVISION = 2**31 - 1

# No whitespace, no control characters (a NUL reaches no database), one @, a dot after it.
Email = Annotated[
    str,
    Field(
        pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$",
        max_length=320,
        examples=["ada@example.com"],
    ),
]


class _In(BaseModel):
    """Every request body: unknown fields refused, and no text a database cannot store.

    Booleans and integers are StrictBool/StrictInt: the schema says boolean, so `0` is not
    false and `"5"` is not 5 (tests/api/test_request_types.py holds every body to it).
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        check_storable(data)
        return data


# The public name of the request-body base, for schema modules beside this one.
RequestBody = _In


class AssessmentQuestion(BaseModel):
    id: str
    version: str
    kind: str
    skills: list[str]
    difficulty: int
    points: float


class QuestionRead(AssessmentQuestion):
    source: str
    prompt: str
    is_parameterized: bool


class QuestionPage(BaseModel):
    items: list[QuestionRead]
    next_cursor: str | None


class AssessmentCreate(_In):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    question_ids: Annotated[list[str], Field(min_length=1, max_length=200)] | None = None
    template: str | None = None
    pools: Annotated[list[PoolIn], Field(max_length=30)] = Field(
        default_factory=list, description="Questions drawn for each candidate from their seed"
    )
    time_limit_minutes: TimeLimit | None = None
    pass_mark_percent: Percent | None = None
    candidates_see_results: StrictBool = Field(
        default=False,
        description="Show candidates their score on the end page once everything is graded.",
    )
    shuffle_questions: StrictBool = False
    shuffle_choices: StrictBool = True

    @model_validator(mode="after")
    def _says_what_to_ask(self) -> AssessmentCreate:
        if self.question_ids is None and self.template is None and not self.pools:
            raise ValueError("give `question_ids`, a `template` or `pools`")
        if self.template is None and self.time_limit_minutes is None:
            raise ValueError("`time_limit_minutes` is required without a template")
        return self

    # The rule above, in the schema: a template (its time limit is the default), or a time
    # limit with question ids or pools.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["template"], "properties": {"template": {"type": "string"}}},
                {
                    "required": ["time_limit_minutes"],
                    "properties": {"time_limit_minutes": {"type": "integer"}},
                    "anyOf": [
                        {
                            "required": ["question_ids"],
                            "properties": {"question_ids": {"type": "array"}},
                        },
                        {"required": ["pools"], "properties": {"pools": {"minItems": 1}}},
                    ],
                },
            ],
            "examples": [
                {
                    "title": "Backprop screen",
                    "question_ids": ["affine"],
                    "time_limit_minutes": 45,
                },
                {"title": "ML engineer, first round", "template": "ml-engineer"},
            ],
        },
    )


class AssessmentRead(BuilderFields):
    id: uuid.UUID
    title: str
    time_limit_minutes: int
    template: str | None
    candidates_see_results: bool
    created_at: datetime
    max_score: float
    questions: list[AssessmentQuestion]


class AssessmentPage(BaseModel):
    items: list[AssessmentRead]
    next_cursor: str | None


class CandidateIn(_In):
    email: Email
    name: Annotated[str, Field(min_length=1, max_length=200)]


class AnswerPut(_In):
    response: dict[str, Any]
    base_revision: Annotated[StrictInt, Field(ge=0, le=MAX_REVISION)] | None = Field(
        default=None,
        description="The revision this edit started from; a newer stored one gives 409.",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"response": {"choice": "b"}, "base_revision": 3},
                {"response": {"value": 0.25}},
                {"response": {"source": "def affine_forward(x, w, b):\n    ..."}},
                {
                    "response": {
                        "source": "affine_forward <- function(x, w, b) {\n  ...\n}\n",
                        "language": "r",
                    }
                },
            ]
        },
    )


class AnswerSaved(BaseModel):
    question_id: str
    revision: int
    saved_at: datetime


class SavedResponse(BaseModel):
    response: dict[str, Any]
    revision: int
    drafts: dict[str, str] | None = Field(
        default=None,
        description="Coding answers: the latest saved source in each language written in, by "
        "language id (switching language resumes from it)",
    )


class TakeAssessment(BaseModel):
    title: str
    time_limit_minutes: int
    question_count: int
    skills: list[str] = Field(description="The skills the questions cover, in taxonomy order")
    concept_count: int
    coding_count: int
    candidates_see_results: bool


class SkillScore(BaseModel):
    score: float
    max_score: float


class TakeResult(BaseModel):
    score: float
    max_score: float
    per_skill: dict[str, SkillScore]


class TakeRead(BaseModel):
    attempt_id: uuid.UUID
    status: str
    server_time: datetime = Field(description="The server's clock (UTC): the page's offset")
    assessment: TakeAssessment
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    questions: list[dict[str, Any]] | None
    answers: dict[str, SavedResponse]
    flagged: list[str] = Field(description="Question ids flagged for review")
    extra_minutes: int = Field(
        description="Extra time granted to this candidate (an accommodation), added to the limit"
    )
    result: TakeResult | None = Field(
        description="After the end, when the assessment shows it and everything is graded"
    )


class IntegrityEventIn(_In):
    type: EventType
    at: AwareDatetime = Field(description="When it happened, on the server's clock")
    question_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    length: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = Field(
        default=None, description="paste and copy: how many characters"
    )
    duration_ms: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600 * 1000)] | None = Field(
        default=None, description="tab_hidden and window_blur: how long the page was left"
    )

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> IntegrityEventIn:
        if self.length is not None and self.type not in WITH_LENGTH:
            raise ValueError(f"`length` is only for paste and copy, not {self.type.value}")
        if self.duration_ms is not None and self.type not in WITH_DURATION:
            raise ValueError(
                f"`duration_ms` is only for tab_hidden and window_blur, not {self.type.value}"
            )
        return self


class EventsCreate(_In):
    events: Annotated[list[IntegrityEventIn], Field(max_length=MAX_PER_BATCH)]

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "type": "paste",
                            "at": "2026-12-03T09:14:05Z",
                            "question_id": "affine",
                            "length": 412,
                        },
                        {"type": "tab_hidden", "at": "2026-12-03T09:15:40Z", "duration_ms": 8300},
                    ]
                }
            ]
        },
    )


class EventsRecorded(BaseModel):
    accepted: int
    dropped: int = Field(description="Accepted but not stored: the attempt reached its cap")


class IntegrityEventRead(BaseModel):
    type: str
    at: datetime
    question_id: str | None
    length: int | None
    duration_ms: int | None


class IntegrityRead(BaseModel):
    counts: dict[str, int] = Field(description="Stored events by type")
    dropped: int = Field(description="Events past the per-attempt cap, counted but not stored")
    events: list[IntegrityEventRead]


class FlagPut(_In):
    flagged: StrictBool

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"flagged": True}]})


class FlagRead(BaseModel):
    question_id: str
    flagged: bool


class RunCreate(_In):
    source: str = Field(description="At most 64 KiB of UTF-8; more is a 413 answer-too-large")
    language: StrictStr = Field(
        default="python",
        description="One of the question's languages (its `languages` ids); else 422",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"source": "def scale(x, a):\n    return a * x, (x, a)\n"}]
        },
    )


class PracticeRead(BaseModel):
    id: str
    title: str
    statement: str = Field(description="Markdown, with $...$ math")
    starter: str
    functions: list[str]
    language: str = "python"


class RunRead(BaseModel):
    run_id: uuid.UUID
    question_id: str = Field(description="The question, or the practice task's id")
    practice: bool = Field(description="A run of the unscored practice task")
    language: str = Field(description='The language the source ran in, e.g. "python" or "r"')
    status: str
    verdict: str | None
    score: float | None
    max_score: float | None
    report: dict[str, Any] | None = Field(
        description="Public checks in detail; never hidden cases or reference values"
    )
    created_at: datetime
    graded_at: datetime | None


class CandidateRead(BaseModel):
    email: str
    name: str


class QuestionResult(BaseModel):
    question_id: str
    kind: str
    skills: list[str]
    points: float
    score: float
    status: str
    verdict: str | None = None
    report: dict[str, Any] | None = Field(
        default=None, description="Coding questions: the judge's checks, per case and gradient"
    )
    choice_order: list[str] | None = Field(
        default=None, description="Choice questions: the choice ids in the order the candidate saw"
    )
    language: str | None = Field(
        default=None,
        description="Coding questions: the language the answer was written (and graded) in, "
        'e.g. "python" or "r"',
    )


class SkillStandingRead(BaseModel):
    score: float
    max_score: float
    fraction: float = Field(description="The candidate's share of the skill's points, 0..1")
    cohort_mean: float | None = Field(description="The cohort's mean share, 0..1")
    cohort_low: float | None = Field(description="The cohort's lower quartile of the share")
    cohort_high: float | None = Field(description="The cohort's upper quartile of the share")


class StandingRead(BaseModel):
    cohort_size: int = Field(
        description="Finished (submitted or expired) scored attempts of the assessment, this one "
        "included"
    )
    percentile: float | None = Field(
        description="Share of the cohort scoring below this attempt, ties counted half (0..100); "
        "null until this attempt is finished"
    )
    per_skill: dict[str, SkillStandingRead]


class AttemptRead(BaseModel):
    attempt_id: uuid.UUID
    assessment_id: uuid.UUID
    candidate: CandidateRead
    status: str
    score: float | None
    max_score: float | None
    per_skill: dict[str, SkillScore] | None
    per_question: list[QuestionResult] | None
    percent: float | None = Field(description="The share of the points earned, 0-100")
    passed: bool | None = Field(
        description="Whether the score reached the assessment's pass mark; null before grading "
        "is complete or when the assessment has no pass mark"
    )
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    integrity: IntegrityRead | None = Field(
        default=None, description="Integrity signals; on the single-attempt view only"
    )
    standing: StandingRead | None = Field(
        default=None,
        description="Percentile and per-skill profile against the assessment's cohort; on the "
        "single-attempt view only",
    )


class CodeRevisionRead(BaseModel):
    revision: int = Field(description="The answer's revision this source was saved as")
    saved_at: datetime
    source: str
    language: str = Field(description='The language of this source, e.g. "python" or "r"')


class CodeHistoryRead(BaseModel):
    items: list[CodeRevisionRead] = Field(
        description="Oldest first; a save equal to the previous one is not kept; the last 200 "
        "(and the latest in each language)"
    )


class ResultRead(AttemptRead):
    time_used_seconds: int | None = Field(description="From the start to the end (or to now)")
    integrity_flags: dict[str, int] = Field(description="Integrity events, counted by type")


class ResultsPage(BaseModel):
    items: list[ResultRead]
    next_cursor: str | None
