"""The languages a coding task can be answered in, as its question content stores them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_LANGUAGE = "python"
LANGUAGE_NAMES = {"python": "Python", "r": "R"}


@dataclass(frozen=True)
class CodeLanguage:
    """One language of a coding task: what the candidate reads and starts from in it."""

    id: str
    name: str
    statement: str
    starter: str


def language_name(language: str) -> str:
    """The display name of a language id ("r" -> "R"); an unknown id shows as itself."""
    return LANGUAGE_NAMES.get(language, language)


def code_languages(content: dict[str, Any]) -> list[CodeLanguage]:
    """The task's languages in offered order; content from before languages is Python alone."""
    stored = content.get("languages")
    if not stored:
        statement, starter = content.get("statement"), content.get("starter")
        return [CodeLanguage(DEFAULT_LANGUAGE, "Python", str(statement or ""), str(starter or ""))]
    return [
        CodeLanguage(e["id"], language_name(e["id"]), str(e["statement"]), str(e["starter"]))
        for e in stored
    ]


def language_ids(content: dict[str, Any]) -> tuple[str, ...]:
    """The ids of the task's languages (("python",) for content from before languages)."""
    return tuple(entry["id"] for entry in content.get("languages") or [{"id": DEFAULT_LANGUAGE}])


def starter_for(content: dict[str, Any], language: str) -> str:
    """The starter code of the task in `language` (the replay diffs a first save against it)."""
    for entry in code_languages(content):
        if entry.id == language:
            return entry.starter
    return ""
