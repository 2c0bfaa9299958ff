"""The judge's check of a custom coding task, run off the request like a submission's grading.

The same lease-and-fence discipline as app.grading.service: claim in one short transaction, run
the sandbox with no transaction open, write the outcome only if this worker still holds the
lease. A failure of the judge itself is retried, then reported as `failed`, never a rejection.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.grading.authoring import TaskJudgement, judge_task, load_custom_task
from app.grading.service import LEASE, MAX_TRIES, SessionScope
from app.models import QuestionValidation, ValidationStatus
from app.questions.authoring import make_current
from sandbox import Runner, SandboxError, TaskError

log = logging.getLogger(__name__)

# A queued check older than this was lost from an in-memory queue (a restart): send it again.
STALE_QUEUED = timedelta(seconds=10)


@dataclass(frozen=True)
class CheckJob:
    validation_id: uuid.UUID
    fence: int
    organization_id: uuid.UUID
    question_id: str
    content: dict[str, Any]
    skills: list[str]
    difficulty: int
    points: float


def check_task(sessions: SessionScope, runner: Runner, validation_id: uuid.UUID) -> bool:
    """Judge one queued custom task if it can be claimed; True when it should be queued again."""
    with sessions() as session:
        job = _claim(session, validation_id)
    if job is None:
        return False
    outcome = _run(job, runner)
    with sessions() as session:
        return _record(session, job, outcome)


def pending_check_ids(session: Session, *, fresh: bool = False) -> list[uuid.UUID]:
    """Queued checks a restart may have lost (`fresh`: every queued one), and running ones
    whose lease expired."""
    now = utcnow()
    stale = now if fresh else now - STALE_QUEUED
    return list(
        session.scalars(
            select(QuestionValidation.id).where(
                or_(
                    (QuestionValidation.status == ValidationStatus.QUEUED)
                    & (QuestionValidation.created_at <= stale),
                    (QuestionValidation.status == ValidationStatus.RUNNING)
                    & (QuestionValidation.lease_expires_at < now),
                )
            )
        )
    )


def _claim(session: Session, validation_id: uuid.UUID) -> CheckJob | None:
    now = utcnow()
    expired = (QuestionValidation.status == ValidationStatus.RUNNING) & (
        QuestionValidation.lease_expires_at < now
    )
    session.execute(
        update(QuestionValidation)
        .where(QuestionValidation.id == validation_id, expired)
        .where(QuestionValidation.tries >= MAX_TRIES)
        .values(
            status=ValidationStatus.FAILED,
            lease_expires_at=None,
            finished_at=now,
            message=f"The judge did not finish in {MAX_TRIES} tries; send the task again.",
        )
    )
    fence = session.execute(
        update(QuestionValidation)
        .where(
            QuestionValidation.id == validation_id,
            or_(QuestionValidation.status == ValidationStatus.QUEUED, expired),
            QuestionValidation.tries < MAX_TRIES,
        )
        .values(
            status=ValidationStatus.RUNNING,
            tries=QuestionValidation.tries + 1,
            lease_expires_at=now + LEASE,
        )
        .returning(QuestionValidation.tries)
    ).scalar()
    job = None
    if fence is not None:
        row = session.get_one(QuestionValidation, validation_id)
        job = CheckJob(
            validation_id=validation_id,
            fence=fence,
            organization_id=row.organization_id,
            question_id=row.question_id,
            content=row.content,
            skills=list(row.skills),
            difficulty=row.difficulty,
            points=row.points,
        )
    session.commit()
    return job


def _run(job: CheckJob, runner: Runner) -> TaskJudgement | str:
    """The judge's verdict on the task, or (a string) why the judge itself could not give one."""
    try:
        task = load_custom_task(job.question_id, job.content["files"])
        return judge_task(task, runner)
    except TaskError as exc:  # checked at authoring; a judge upgrade may refuse it now
        return TaskJudgement(False, f"The task no longer loads: {exc}")
    except SandboxError as exc:
        log.warning("sandbox failure checking task %s: %s", job.question_id, exc)
        return f"The judge could not run: {exc}"
    except Exception as exc:  # the sandbox boundary: a bug in the judge is not the author's
        log.exception("checking custom task %s failed", job.question_id)
        return f"unexpected {type(exc).__name__} in the judge: {exc}"[:2000]


def _record(session: Session, job: CheckJob, outcome: TaskJudgement | str) -> bool:
    retry = False
    values: dict[str, Any] = {"lease_expires_at": None, "finished_at": utcnow()}
    if isinstance(outcome, str):
        retry = job.fence < MAX_TRIES
        status = ValidationStatus.QUEUED if retry else ValidationStatus.FAILED
        values |= {"status": status, "message": outcome}
    else:
        status = ValidationStatus.ACCEPTED if outcome.accepted else ValidationStatus.REJECTED
        values |= {
            "status": status,
            "message": outcome.message,
            "report": {"runs": [asdict(r) for r in outcome.runs]},
        }
    written = session.execute(
        update(QuestionValidation)
        .where(
            QuestionValidation.id == job.validation_id,
            QuestionValidation.status == ValidationStatus.RUNNING,
            QuestionValidation.tries == job.fence,
        )
        .values(**values)
    ).rowcount  # type: ignore[attr-defined]
    if written and status is ValidationStatus.ACCEPTED:
        version = make_current(
            session,
            organization_id=job.organization_id,
            question_id=job.question_id,
            version=load_custom_task(job.question_id, job.content["files"]).version,
            kind="coding",
            skills=job.skills,
            difficulty=job.difficulty,
            points=job.points,
            content=job.content,
        )
        session.execute(
            update(QuestionValidation)
            .where(QuestionValidation.id == job.validation_id)
            .values(question_version_id=version.id)
        )
    session.commit()
    return retry and bool(written)
