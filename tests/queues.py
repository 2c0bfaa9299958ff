"""A grading queue for tests: grades at enqueue, on the test's own session."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from sqlalchemy.orm import Session

from app.grading import service as grading
from app.grading import task_checks
from app.grading.practice import PracticeTask
from sandbox import Runner


class InlineQueue:
    """Grades at once on the test's session, so the rolled-back test transaction sees the result.

    The service grades on its own threads and sessions (app.grading.queue); the end-to-end
    tests run that path against a real server.
    """

    def __init__(
        self, session: Session, runner: Runner, practice: PracticeTask | None = None
    ) -> None:
        self.session = session
        self.runner = runner
        self.practice = practice
        self.sent: list[uuid.UUID] = []

    def enqueue(self, submission_id: uuid.UUID, *, final: bool) -> None:  # noqa: ARG002
        self.sent.append(submission_id)
        own_session = lambda: nullcontext(self.session)  # noqa: E731 (a one-line scope)
        while grading.grade_submission(
            own_session, self.runner, submission_id, practice=self.practice
        ):
            pass


class InlineCheckQueue:
    """Checks a custom coding task at once on the test's session (the judge runs for real)."""

    def __init__(self, session: Session, runner: Runner) -> None:
        self.session = session
        self.runner = runner
        self.sent: list[uuid.UUID] = []

    def enqueue(self, validation_id: uuid.UUID) -> None:
        self.sent.append(validation_id)
        own_session = lambda: nullcontext(self.session)  # noqa: E731 (a one-line scope)
        while task_checks.check_task(own_session, self.runner, validation_id):
            pass
