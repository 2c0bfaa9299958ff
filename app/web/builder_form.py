"""The builder's form: what a recruiter typed, kept as typed, read into settings and a form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from app.assessments.editing import FormChange, settings_of
from app.assessments.forms import Pool
from app.models import Assessment
from app.skills import Skill

KINDS = ("concept", "coding")
MAX_POOL_ROWS = 30
_SKILLS = {s.value for s in Skill}


@dataclass
class PoolRow:
    kind: str = "concept"
    skill: str = ""
    difficulty: str = "1"
    count: str = ""

    @property
    def is_blank(self) -> bool:
        return self.count.strip() in ("", "0")


@dataclass
class BuilderForm:
    """Every field as the recruiter typed it (strings), so a refused form comes back unchanged."""

    title: str = ""
    time_limit_minutes: str = "60"
    pass_mark_percent: str = ""
    candidates_see_results: bool = False
    shuffle_questions: bool = False
    shuffle_choices: bool = True
    question_ids: list[str] = field(default_factory=list)
    pools: list[PoolRow] = field(default_factory=list)
    template: str = ""
    etag: str = ""
    search: dict[str, str] = field(default_factory=dict)
    action: str = ""  # the button pressed: save, search or check
    errors: dict[str, str] = field(default_factory=dict)

    def check(self) -> tuple[dict[str, Any], list[Pool]]:
        """The settings and pools, or `errors` filled in (field name -> message)."""
        self.errors.clear()
        title = self.title.strip()
        if not title:
            self.errors["title"] = "Give the assessment a name."
        elif len(title) > 200:
            self.errors["title"] = "The name is over 200 characters."
        minutes = _number(self.time_limit_minutes, 1, 600)
        if minutes is None:
            self.errors["time_limit_minutes"] = (
                "The time limit is a whole number of minutes, 1-600."
            )
        percent = None
        if self.pass_mark_percent.strip():
            percent = _number(self.pass_mark_percent, 0, 100)
            if percent is None:
                self.errors["pass_mark_percent"] = "The pass mark is a whole percent, 0-100."
        pools = self.valid_pools()
        for i, row in enumerate(self.pools):
            if row.is_blank or i in pools:
                continue
            if _number(row.count, 1, 50) is None:
                self.errors[f"pool-{i}"] = "A pool draws 1-50 questions (0 removes the row)."
            else:
                self.errors[f"pool-{i}"] = "Pick a kind, a skill and a difficulty."
        settings = {
            "title": title,
            "time_limit_minutes": minutes,
            "pass_mark_percent": percent,
            "candidates_see_results": self.candidates_see_results,
            "shuffle_questions": self.shuffle_questions,
            "shuffle_choices": self.shuffle_choices,
        }
        return settings, list(pools.values())

    def valid_pools(self) -> dict[int, Pool]:
        """The rows that make a pool, by row index (blank and wrong rows left out)."""
        pools = {}
        for i, row in enumerate(self.pools):
            count = _number(row.count, 1, 50)
            level = _number(row.difficulty, 1, 3)
            if row.kind in KINDS and row.skill in _SKILLS and level and count:
                pools[i] = Pool(row.kind, row.skill, level, count)
        return pools

    def form_change(self, pools: list[Pool]) -> FormChange:
        return FormChange(question_ids=list(self.question_ids), pools=pools)


def from_assessment(assessment: Assessment, etag: str) -> BuilderForm:
    s = settings_of(assessment)
    return BuilderForm(
        title=s.title,
        time_limit_minutes=str(s.time_limit_minutes),
        pass_mark_percent="" if s.pass_mark_percent is None else str(s.pass_mark_percent),
        candidates_see_results=s.candidates_see_results,
        shuffle_questions=s.shuffle_questions,
        shuffle_choices=s.shuffle_choices,
        question_ids=[i.question.question_id for i in assessment.items],
        pools=[PoolRow(p.kind, p.skill, str(p.difficulty), str(p.count)) for p in assessment.pools],
        template=assessment.template or "",
        etag=etag,
    )


def from_form(data: FormData) -> BuilderForm:
    rows = min(_number(str(data.get("pool_rows", "0")), 0, MAX_POOL_ROWS) or 0, MAX_POOL_ROWS)
    kept = [str(q) for q in data.getlist("question_ids")]
    return BuilderForm(
        title=_text(data, "title"),
        time_limit_minutes=_text(data, "time_limit_minutes"),
        pass_mark_percent=_text(data, "pass_mark_percent"),
        candidates_see_results="candidates_see_results" in data,
        shuffle_questions="shuffle_questions" in data,
        shuffle_choices="shuffle_choices" in data,
        question_ids=list(dict.fromkeys(q for q in kept if q)),  # a box ticked twice counts once
        pools=[
            PoolRow(
                kind=_text(data, f"pool-{i}-kind"),
                skill=_text(data, f"pool-{i}-skill"),
                difficulty=_text(data, f"pool-{i}-difficulty"),
                count=_text(data, f"pool-{i}-count"),
            )
            for i in range(rows)
        ],
        template=_text(data, "template"),
        etag=_text(data, "etag"),
        search={k: _text(data, f"search_{k}") for k in ("text", "skill", "kind", "difficulty")},
        action=_text(data, "action"),
    )


def _text(data: FormData, name: str) -> str:
    value = data.get(name, "")
    return value[:10_000] if isinstance(value, str) else ""


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if low <= value <= high else None
