"""Two run requests at once cannot both slip under the rate limit."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.grading import runs
from app.grading.runs import RunLimit, RunRateLimitedError
from app.models import Submission
from tests import factories
from tests.committed import committed_attempt


def test_concurrent_runs_respect_the_rate_limit(engine: Engine) -> None:
    suffix = uuid.uuid4().hex[:8]
    contents = [factories.coding(f"race-a-{suffix}", "backward_pass")]
    contents.append(factories.coding(f"race-b-{suffix}", "forward_pass"))
    # One run per window: of two runs on two questions at once, exactly one may pass.
    limit = RunLimit(1, timedelta(minutes=5))
    with committed_attempt(engine, contents) as made:
        start = threading.Barrier(2)
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def run(question_id: str) -> None:
            try:
                with Session(engine) as session:
                    start.wait()
                    runs.request_run(
                        session,
                        token=made.token,
                        question_id=question_id,
                        source="x = 1",
                        limit=limit,
                    )
                outcomes.append("queued")
            except RunRateLimitedError:
                outcomes.append("limited")
            except BaseException as exc:  # reported below: a thread's failure must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(q,)) for q in made.question_ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(outcomes) == ["limited", "queued"]
        with Session(engine) as session:
            stored = session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.attempt_id == made.attempt_id)
            )
        assert stored == 1
