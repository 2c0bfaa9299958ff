"""The scaled-mode tests run once per CI run (the SQLite pass): they bring their own PostgreSQL
database and Redis whatever the suite's database is, so the PostgreSQL pass leaves them out."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.scaled.cluster import Cluster, logs_dir

if os.environ.get("TEST_DATABASE_URL"):
    collect_ignore_glob = ["test_*.py"]

# Every write of a graded result, logged by PostgreSQL itself: "graded exactly once" is
# checked against what the database saw, not against what the workers say they did.
GRADED_LOG = """
CREATE TABLE graded_log (submission_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION log_graded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO graded_log (submission_id) VALUES (NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER submission_graded AFTER UPDATE ON submission
  FOR EACH ROW WHEN (NEW.status = 'graded') EXECUTE FUNCTION log_graded();
"""


# One deployment for every module that asks for it: starting one costs a minute or more.
@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster(logs_dir())
    try:
        cluster.start(apis=2, workers=2, before_serving=GRADED_LOG)
        yield cluster
    finally:
        cluster.stop()
