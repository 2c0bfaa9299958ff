"""The code-language migration: what was saved before is Python, and a downgrade keeps one ring."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.settings import Settings
from tests import factories

BEFORE_LANGUAGES = "9da669a394b5"
T0 = datetime(2026, 11, 1, tzinfo=UTC)

_answer = sa.table(
    "answer",
    sa.column("id", sa.Uuid()),
    sa.column("attempt_id", sa.Uuid()),
    sa.column("question_id", sa.String()),
    sa.column("response", sa.JSON()),
    sa.column("revision", sa.Integer()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_revision_columns = ["attempt_id", "question_id", "slot", "seq", "revision", "source", "saved_at"]


def _revisions(*extra: str) -> sa.TableClause:
    types = {"attempt_id": sa.Uuid(), "saved_at": sa.DateTime(timezone=True)}
    return sa.table(
        "answer_revision", *(sa.column(c, types.get(c)) for c in [*_revision_columns, *extra])
    )


def test_saved_code_becomes_python_and_a_downgrade_keeps_the_newest_of_each_slot(
    connection: Connection, session: Session, settings: Settings
) -> None:
    org = factories.make_org(session)
    questions = [
        factories.make_question(session, factories.coding("mig-code", "backward_pass")),
        factories.make_question(session, factories.single_choice("mig-one", "chain_rule")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    attempt_id = factories.make_invitation(session, org.organization, assessment).attempt.id
    session.commit()
    config = alembic_config(settings)
    config.attributes["connection"] = connection

    # At head: an R answer whose R and Python revisions share slot 0 of their own rings.
    row = {"attempt_id": attempt_id, "saved_at": T0}
    connection.execute(
        _revisions("language").insert(),
        [
            row
            | {"question_id": "mig-code", "language": "python", "slot": 0, "seq": 1}
            | {"revision": 1, "source": "x = 1\n"},
            row
            | {"question_id": "mig-code", "language": "r", "slot": 0, "seq": 201}
            | {"revision": 201, "source": "x <- 1\n"},
        ],
    )
    answers = [
        ("mig-code", {"source": "x <- 1\n", "language": "r"}),
        ("mig-one", {"choice": "b"}),
    ]
    connection.execute(
        _answer.insert(),
        [
            {"id": uuid.uuid4(), "attempt_id": attempt_id, "question_id": qid}
            | {"response": response, "revision": 1, "updated_at": T0}
            for qid, response in answers
        ],
    )

    command.downgrade(config, BEFORE_LANGUAGES)
    old = _revisions()
    kept = connection.execute(sa.select(old.c.seq, old.c.source)).all()
    assert [tuple(r) for r in kept] == [(201, "x <- 1\n")], "one ring: the newest in the slot"
    stored = dict(connection.execute(sa.select(_answer.c.question_id, _answer.c.response)).all())
    assert stored == {"mig-code": {"source": "x <- 1\n"}, "mig-one": {"choice": "b"}}

    command.upgrade(config, "head")
    stored = dict(connection.execute(sa.select(_answer.c.question_id, _answer.c.response)).all())
    assert stored == {
        "mig-code": {"source": "x <- 1\n", "language": "python"},
        "mig-one": {"choice": "b"},
    }, "code saved before languages is Python; concept answers are untouched"
    languages = connection.execute(sa.select(_revisions("language").c.language)).scalars().all()
    assert languages == ["python"]
