"""Each attempt's form: the assessment's fixed questions plus its pools, drawn from the seed.

A pool is "`count` questions of `kind` with `skill` at `difficulty`". Every candidate draws the
same number from every pool, so forms are equally long and balanced per skill and difficulty;
which questions come out depends only on the attempt's seed and the questions on offer (sorted
by id). The form is stored on the attempt at invitation (attempt_item) and never changes after,
whatever happens to the bank or the assessment later.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.models import Assessment, Attempt, AttemptItem, QuestionVersion

# Mixed into the attempt's seed so the form's draw is independent of every other use of it
# (parameterized numbers, hidden cases, choice order).
_FORM_STREAM = 0x464F524D
# Pools that can be filled for these seeds can be filled for any: the draw never repeats a
# question, so pools short for one draw order are short for most (as for role templates).
_CHECK_SEEDS = range(20)


class PoolUnavailableError(DomainError):
    status, code, title = 409, "pool-unavailable", "The questions on offer cannot fill a pool"


@dataclass(frozen=True)
class Pool:
    kind: str  # "concept" or "coding"
    skill: str
    difficulty: int
    count: int

    def admits(self, question: QuestionVersion) -> bool:
        """Concept items count for their first skill, as the bank's cells and templates do;
        a coding task counts for any of its skills, as template coding pools do."""
        if question.difficulty != self.difficulty:
            return False
        if self.kind == "coding":
            return question.kind == "coding" and self.skill in question.skills
        return question.kind != "coding" and question.skills[:1] == [self.skill]

    def describe(self) -> str:
        noun = "coding task" if self.kind == "coding" else "concept item"
        plural = "s" if self.count != 1 else ""
        return f"{self.count} {self.skill} {noun}{plural} of difficulty {self.difficulty}"


def draw_form(
    fixed: Sequence[QuestionVersion],
    pools: Sequence[Pool],
    on_offer: Sequence[QuestionVersion],
    *,
    seed: int,
    shuffle: bool,
) -> list[QuestionVersion]:
    """The fixed questions, then each pool's draw; in a seeded order when `shuffle`."""
    rng = np.random.default_rng([_FORM_STREAM, seed])
    offer = sorted(on_offer, key=lambda q: q.question_id)
    taken = {q.question_id for q in fixed}
    form = list(fixed)
    for pool in pools:
        candidates = [q for q in offer if pool.admits(q) and q.question_id not in taken]
        if len(candidates) < pool.count:
            raise PoolUnavailableError(
                f"The pool of {pool.describe()} has {len(candidates)} question(s) to draw from.",
                pool=pool.describe(),
                available=len(candidates),
            )
        picks = [candidates[int(i)] for i in rng.choice(len(candidates), pool.count, replace=False)]
        taken.update(q.question_id for q in picks)
        form.extend(picks)
    if shuffle:
        form = [form[int(i)] for i in rng.permutation(len(form))]
    return form


def check_pools(
    fixed: Sequence[QuestionVersion], pools: Sequence[Pool], on_offer: Sequence[QuestionVersion]
) -> None:
    """Raise PoolUnavailableError when some pool cannot be filled for every candidate."""
    for seed in _CHECK_SEEDS:
        draw_form(fixed, pools, on_offer, seed=seed, shuffle=False)


def pools_of(assessment: Assessment) -> list[Pool]:
    return [Pool(p.kind, p.skill, p.difficulty, p.count) for p in assessment.pools]


def questions_on_offer(session: Session, organization_id: uuid.UUID) -> list[QuestionVersion]:
    """The current questions pools draw from: the bank's and the organization's own."""
    return list(
        session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.is_current.is_(True),
                or_(
                    QuestionVersion.organization_id.is_(None),
                    QuestionVersion.organization_id == organization_id,
                ),
            )
        )
    )


def assign_form(session: Session, attempt: Attempt, assessment: Assessment) -> None:
    """Draw and store the attempt's form (not committed here)."""
    fixed = [item.question for item in assessment.items]
    pools = pools_of(assessment)
    on_offer = questions_on_offer(session, assessment.organization_id) if pools else []
    form = draw_form(
        fixed, pools, on_offer, seed=attempt.seed, shuffle=assessment.shuffle_questions
    )
    session.add_all(
        AttemptItem(attempt_id=attempt.id, position=i, question_version_id=q.id)
        for i, q in enumerate(form)
    )
