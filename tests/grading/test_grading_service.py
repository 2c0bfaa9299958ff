"""The grading worker: tries, giving up, and no database held while candidate code runs."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.attempts import service as attempts
from app.bank.sync import sync_bank
from app.db import Base, make_engine, make_sessionmaker, utcnow
from app.grading import runs, watchdog
from app.grading import service as grading
from app.grading.tasks import coding_payloads
from app.models import QuestionVersion, Score, Submission, SubmissionStatus
from app.settings import REPO_ROOT, Settings
from sandbox import Limits, Runner, RunOutcome
from sandbox.wire import Job
from tests import factories
from tests.queues import InlineQueue

AFFINE = REPO_ROOT / "question_bank" / "coding" / "affine"


class BrokenRunner:
    """A judge with a bug: every run raises, as a malformed frame's ValueError once escaped."""

    def __init__(self) -> None:
        self.calls = 0

    def run(self, job: Job, limits: Limits) -> RunOutcome:  # noqa: ARG002 (the Runner protocol)
        self.calls += 1
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    def close(self) -> None:
        pass


def _started_attempt(session: Session) -> str:
    """An attempt of an assessment with `affine` and one concept question, started; its token."""
    [payload] = [p for p in coding_payloads(AFFINE.parent) if p.question_id == "affine"]
    sync_bank(session, [payload])
    coding = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == "affine"))
    assert coding is not None
    concept = factories.make_question(session, factories.single_choice("gj-one", "chain_rule"))
    org = factories.make_org(session)
    assessment = factories.make_assessment(session, org.organization, [coding, concept])
    invitation = factories.make_invitation(session, org.organization, assessment)
    attempts.start(session, token=invitation.token)
    return invitation.token


def _run(session: Session, token: str) -> uuid.UUID:
    source = (AFFINE / "reference.py").read_text()
    limit = runs.RunLimit(runs=10, window=timedelta(minutes=5))
    return runs.request_run(
        session, token=token, question_id="affine", source=source, limit=limit
    ).id


def _grade_until_settled(session: Session, runner: Runner, submission_id: uuid.UUID) -> None:
    for _ in range(10):  # bounded: a submission retried forever is the defect under test
        if not grading.grade_submission(lambda: nullcontext(session), runner, submission_id):
            return
    pytest.fail("the submission was still being retried after 10 gradings")


def _due(session: Session) -> list[uuid.UUID]:
    """What a watchdog would send to the broker now."""
    resend = watchdog.due_for_sending(session, utcnow(), timedelta(seconds=30))
    return [r.submission_id for r in resend]


def test_unexpected_error_is_retried_then_grading_failed(session: Session) -> None:
    submission_id = _run(session, _started_attempt(session))
    runner = BrokenRunner()
    _grade_until_settled(session, runner, submission_id)
    submission = session.get(Submission, submission_id, populate_existing=True)
    assert submission is not None
    assert submission.status == SubmissionStatus.GRADING_FAILED
    assert submission.tries == runner.calls == grading.MAX_TRIES
    assert submission.verdict is None
    assert submission.score is None
    assert submission.error is not None
    assert "ValueError" in submission.error


def test_expired_lease_on_the_last_try_is_given_up_not_reclaimed(
    session: Session, judge: Runner
) -> None:
    # A worker that died (or hung) on the last try leaves the lease to expire.
    submission_id = _run(session, _started_attempt(session))
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id)
        .values(
            status=SubmissionStatus.RUNNING,
            tries=grading.MAX_TRIES,
            lease_expires_at=utcnow() - timedelta(seconds=1),
            sent_at=utcnow() - timedelta(minutes=2),
        )
    )
    assert submission_id in _due(session)
    assert not grading.grade_submission(lambda: nullcontext(session), judge, submission_id)
    submission = session.get(Submission, submission_id, populate_existing=True)
    assert submission is not None
    assert submission.status == SubmissionStatus.GRADING_FAILED
    assert submission.tries == grading.MAX_TRIES
    assert submission_id not in _due(session)


def test_final_submission_given_up_shows_grading_failed_in_the_result(
    session: Session, client: TestClient, queue: InlineQueue
) -> None:
    token = _started_attempt(session)
    source = (AFFINE / "reference.py").read_text()
    saved = client.put(
        f"/api/v1/take/{token}/answers/affine", json={"response": {"source": source}}
    )
    assert saved.status_code == 200
    queue.runner = BrokenRunner()
    assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
    [submission] = session.scalars(
        select(Submission).where(Submission.question_id == "affine")
    ).all()
    assert submission.status == SubmissionStatus.GRADING_FAILED
    score = session.scalars(
        select(Score)
        .where(Score.attempt_id == submission.attempt_id)
        .execution_options(populate_existing=True)
    ).one()
    [result] = [r for r in score.per_question if r["question_id"] == "affine"]
    assert result["status"] == "grading_failed"  # not "pending" forever


# --------------------------------------------------------------------------- committed database


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite file of its own: the pool's sessions commit, as in the embedded service."""
    path = tmp_path_factory.mktemp("jobs") / "jobs_test.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


class ProbingRunner:
    """Wraps the real judge and looks at the database while candidate code would be running."""

    def __init__(self, inner: Runner, engine: Engine, path: Path) -> None:
        self.inner, self.engine, self.path = inner, engine, path
        self.checked_out: list[int] = []
        self.write_lock_free: list[bool] = []

    def run(self, job: Job, limits: Limits) -> RunOutcome:
        self.checked_out.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds the write lock
            other.execute("ROLLBACK")
            self.write_lock_free.append(True)
        except sqlite3.OperationalError:
            self.write_lock_free.append(False)
        finally:
            other.close()
        return self.inner.run(job, limits)

    def close(self) -> None:
        pass


def test_no_connection_or_write_lock_is_held_while_code_runs(
    committed: Engine, judge: Runner
) -> None:
    sessions = make_sessionmaker(committed)
    with sessions() as session:
        submission_id = _run(session, _started_attempt(session))
        session.commit()
    path = Path(str(committed.url.database))
    probe = ProbingRunner(judge, committed, path)
    assert not grading.grade_submission(sessions, probe, submission_id)
    assert probe.checked_out
    assert set(probe.checked_out) == {0}
    assert set(probe.write_lock_free) == {True}
    with sessions() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        assert submission.status == SubmissionStatus.GRADED
        assert submission.verdict == "passed"


# A candidate that forges a well-framed result whose JSON header holds a 5,000-digit integer: once
# a ValueError that escaped grading and had the sweep re-claim the submission forever.
FORGED_FRAME = """
import numpy as np

_u = np.lib._utils_impl
os = _u.os


def affine_forward(x, w, b):
    head = ('{"kind":"result","status":"ok","arrays":[],"n":' + "9" * 5000 + "}").encode()
    frame = len(head).to_bytes(4, "little") + head
    for fd in [int(f) for f in os.listdir("/proc/self/fd") if int(f) > 2]:
        try:
            os.write(fd, frame)
        except OSError:
            pass
    os._exit(0)
"""


def test_a_malformed_result_frame_is_the_candidates_rejected_verdict(
    session: Session, client: TestClient
) -> None:
    token = _started_attempt(session)
    saved = client.put(
        f"/api/v1/take/{token}/answers/affine", json={"response": {"source": FORGED_FRAME}}
    )
    assert saved.status_code == 200
    assert client.post(f"/api/v1/take/{token}/submit").status_code == 200
    [submission] = session.scalars(
        select(Submission).where(Submission.question_id == "affine")
    ).all()
    assert submission.status == SubmissionStatus.GRADED
    assert submission.verdict == "rejected"
    assert submission.score == 0
    assert submission.tries == 1  # a verdict, not a failure of the judge to retry
