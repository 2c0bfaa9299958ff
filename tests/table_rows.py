"""A fingerprint of every row in every table: did a test leave the database as it found it?"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, select

import app.models  # noqa: F401 (registers every table on Base.metadata)
from app.db import Base


def fingerprint(connection: Connection) -> str:
    """Hash every table's rows in primary-key order: any insert, update or delete changes it."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        digest.update(table.name.encode())
        rows = connection.execute(select(table).order_by(*table.primary_key.columns))
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
