"""What the candidate's pages show, built from the attempt services' view (no database here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from app.attempts.service import CandidateView
from app.models import AttemptStatus
from app.web.markdown import render_inline, render_markdown

SKILL_NAMES = {
    "forward_pass": "Forward pass",
    "loss_functions": "Loss functions",
    "gradient_descent": "Gradient descent",
    "chain_rule": "Chain rule",
    "backward_pass": "Backward pass",
}
KIND_NAMES = {
    "single_choice": "One answer",
    "multi_choice": "Several answers",
    "true_false": "True or false",
    "numeric": "Number",
    "coding": "Coding",
}


@dataclass(frozen=True)
class Overview:
    title: str
    time_limit_minutes: int  # this candidate's: the assessment's limit plus their extra time
    question_count: int
    concept_count: int
    coding_count: int
    skills: list[str]
    status: str
    candidates_see_results: bool
    extra_minutes: int = 0


@dataclass(frozen=True)
class Choice:
    id: str
    html: Markup


@dataclass(frozen=True)
class LanguagePanel:
    """One language of a coding question: its name and its own statement."""

    id: str
    name: str
    statement_html: Markup


@dataclass(frozen=True)
class QuestionPanel:
    """One question as the test page renders it; the page's script fills in saved answers."""

    id: str
    number: int
    kind: str
    kind_name: str
    points: float
    title: str
    prompt_html: Markup
    choices: list[Choice] = field(default_factory=list)
    unit: str | None = None
    functions: list[str] = field(default_factory=list)
    languages: list[LanguagePanel] = field(default_factory=list)
    language: str | None = None  # the coding answer's language, as last saved (or the first)

    @property
    def language_name(self) -> str:
        return next((lang.name for lang in self.languages if lang.id == self.language), "")


@dataclass(frozen=True)
class EndPage:
    heading: str
    message: str
    result: dict[str, Any] | None


def overview(view: CandidateView) -> Overview:
    """The landing page's summary of the assessment."""
    assessment = view.attempt.assessment
    questions = [item.question for item in view.attempt.items]
    skills = {s for q in questions for s in q.skills}
    coding = sum(1 for q in questions if q.kind == "coding")
    return Overview(
        title=assessment.title,
        time_limit_minutes=assessment.time_limit_minutes + view.attempt.invitation.extra_minutes,
        extra_minutes=view.attempt.invitation.extra_minutes,
        question_count=len(questions),
        concept_count=len(questions) - coding,
        coding_count=coding,
        skills=[SKILL_NAMES.get(s, s) for s in SKILL_NAMES if s in skills]
        + sorted(s for s in skills if s not in SKILL_NAMES),
        status=view.attempt.status,
        candidates_see_results=assessment.candidates_see_results,
    )


def question_panels(view: CandidateView) -> list[QuestionPanel]:
    """Every question of a started attempt, its text rendered from Markdown."""
    saved = {qid: a["response"] for qid, a in view.answers.items()}
    return [
        question_panel(q, number, saved.get(q["id"]))
        for number, q in enumerate(view.questions or [], start=1)
    ]


def question_panel(
    q: dict[str, Any], number: int, response: dict[str, Any] | None = None
) -> QuestionPanel:
    """One question as the candidate sees it (the test page, and the library's preview)."""
    kind = q["kind"]
    if kind == "coding":
        languages = [
            LanguagePanel(
                lang["id"], lang["name"], render_markdown(lang["statement"], heading_shift=1)
            )
            for lang in q["languages"]
        ]
        return QuestionPanel(
            id=q["id"],
            number=number,
            kind=kind,
            kind_name=KIND_NAMES[kind],
            points=q["points"],
            title=q.get("title") or q["prompt"],
            prompt_html=languages[0].statement_html,
            functions=list(q.get("functions") or []),
            languages=languages,
            language=(response or {}).get("language") or languages[0].id,
        )
    return QuestionPanel(
        id=q["id"],
        number=number,
        kind=kind,
        kind_name=KIND_NAMES.get(kind, kind),
        points=q["points"],
        title=_short(q["prompt"]),
        prompt_html=render_markdown(q["prompt"]),
        choices=[Choice(c["id"], render_inline(c["text"])) for c in q.get("choices", [])],
        unit=q.get("unit"),
    )


def end_page(view: CandidateView) -> EndPage:
    """The thank-you page of a submitted or expired attempt, with the result if allowed."""
    attempt = view.attempt
    if attempt.status == AttemptStatus.EXPIRED:
        heading = "Time is up"
        message = (
            "The time limit has passed. Everything you saved before the deadline was submitted "
            "for grading. Thank you for taking the test."
        )
    else:
        heading = "Thank you, your test is submitted"
        message = "Your answers were recorded. You can close this page."
    result: dict[str, Any] | None = None
    if view.result is not None:
        score = view.result
        result = {
            "pending": False,
            "score": score.score,
            "max_score": score.max_score,
            "per_skill": [
                (SKILL_NAMES.get(skill, skill), value["score"], value["max_score"])
                for skill, value in score.per_skill.items()
            ],
        }
    elif attempt.assessment.candidates_see_results:
        result = {"pending": True}  # allowed, but some code is still being graded
    return EndPage(heading, message, result)


def _short(prompt: str, limit: int = 60) -> str:
    text = " ".join(prompt.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
