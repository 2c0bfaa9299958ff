"""Coding tasks as question versions: synced from the bank, rebuilt from the stored files."""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from app.bank.sync import QuestionPayload
from sandbox import TaskSpec, load_task
from sandbox.grading.loader import folder_version

_MAX_CACHED = 512
_cache: dict[uuid.UUID, TaskSpec] = {}
_lock = threading.Lock()


def coding_payloads(coding_dir: Path) -> list[QuestionPayload]:
    """One payload per task folder, carrying every file so old versions stay gradable."""
    payloads = []
    for yaml_path in sorted(coding_dir.glob("*/task.yaml")):
        folder = yaml_path.parent
        task = load_task(folder)
        files = {
            p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }
        content: dict[str, Any] = {
            "id": task.id,
            "kind": "coding",
            "title": task.title,
            "statement": task.statement,
            "starter": task.starter,
            "functions": list(task.functions),
            # What the candidate reads and starts from in each language the task is offered in.
            "languages": [
                {"id": v.language, "statement": v.statement, "starter": v.starter}
                for v in map(task.variant, task.languages)
            ],
            "files": files,
        }
        payloads.append(
            QuestionPayload(
                question_id=task.id,
                version=folder_version(folder),
                kind="coding",
                skills=list(task.skills),
                difficulty=task.difficulty,
                points=task.points,
                content=content,
            )
        )
    return payloads


def load_from_files(task_id: str, files: dict[str, str]) -> TaskSpec:
    """Write stored files as a task folder and load it as the judge would (no code runs)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-task-") as tmp:
        folder = Path(tmp) / task_id  # a task folder is named after its task
        for name, text in files.items():
            path = (folder / name).resolve()
            if folder.resolve() not in path.parents:
                raise ValueError(f"stored task file escapes its folder: {name!r}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return load_task(folder)


def task_for(version_id: uuid.UUID, content: dict[str, Any]) -> TaskSpec:
    """Rebuild the exact task version an assessment pinned, from its stored files (cached)."""
    task = _cache.get(version_id)
    if task is not None:
        return task
    task = load_from_files(content["id"], content["files"])
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[version_id] = task
    return task
