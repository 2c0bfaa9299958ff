"""The language of code: coding answers, kept revisions (a ring per language) and submissions.

Everything written before is Python: revisions and submissions get 'python' by default, and
coding answers get `"language": "python"` in their response.

Revision ID: 560d3e9b4f64
Revises: 9da669a394b5
Create Date: 2026-12-03 16:04:04.952388
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "560d3e9b4f64"
down_revision: str | None = "9da669a394b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REVISION_KEY = ["attempt_id", "question_id", "slot"]


def upgrade() -> None:
    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), server_default="python", nullable=False)
        )
        batch_op.drop_constraint("pk_answer_revision", type_="primary")
        batch_op.create_primary_key(
            "pk_answer_revision", ["attempt_id", "question_id", "language", "slot"]
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), server_default="python", nullable=False)
        )
    _set_answer_languages(add=True)


def downgrade() -> None:
    _set_answer_languages(add=False)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("language")
    # One ring per question again: of the rows sharing a slot, the newest stays.
    revisions = sa.table("answer_revision", *(sa.column(c) for c in [*_REVISION_KEY, "seq"]))
    newer = revisions.alias("newer")
    op.execute(
        revisions.delete().where(
            sa.exists().where(
                *(newer.c[c] == revisions.c[c] for c in _REVISION_KEY),
                newer.c.seq > revisions.c.seq,
            )
        )
    )
    with op.batch_alter_table("answer_revision", schema=None) as batch_op:
        batch_op.drop_constraint("pk_answer_revision", type_="primary")
        batch_op.create_primary_key("pk_answer_revision", _REVISION_KEY)
        batch_op.drop_column("language")


def _set_answer_languages(*, add: bool) -> None:
    """Add `"language": "python"` to every coding answer's response, or take it out."""
    answer = sa.table(
        "answer",
        sa.column("id", sa.Uuid()),
        sa.column("attempt_id", sa.Uuid()),
        sa.column("question_id", sa.String()),
        sa.column("response", sa.JSON()),
    )
    item = sa.table(
        "attempt_item", sa.column("attempt_id", sa.Uuid()), sa.column("question_version_id")
    )
    version = sa.table(
        "question_version", sa.column("id"), sa.column("question_id"), sa.column("kind")
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(answer.c.id, answer.c.response)
        .join(item, item.c.attempt_id == answer.c.attempt_id)
        .join(
            version,
            (version.c.id == item.c.question_version_id)
            & (version.c.question_id == answer.c.question_id),
        )
        .where(version.c.kind == "coding")
    ).all()
    for answer_id, response in rows:
        changed = dict(response)
        if add:
            changed.setdefault("language", "python")
        else:
            changed.pop("language", None)
        if changed != response:
            connection.execute(
                answer.update().where(answer.c.id == answer_id).values(response=changed)
            )
