"""Check that a response has the shape its question's kind asks for, and normalize it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from app.bank.languages import DEFAULT_LANGUAGE, language_ids
from app.bank.schemas import QuestionKind
from app.errors import AnswerTooLargeError, InvalidResponseError

MAX_SOURCE_BYTES = 64 * 1024


@dataclass(frozen=True)
class QuestionSpec:
    """What the hot path needs to know of a question to accept a response."""

    question_id: str
    kind: QuestionKind
    choice_ids: frozenset[str]
    languages: tuple[str, ...] = ()  # a coding task's, in offered order

    @classmethod
    def from_content(cls, question_id: str, kind: str, content: dict[str, Any]) -> QuestionSpec:
        choices = frozenset(c["id"] for c in content.get("choices", []))
        coding = kind == QuestionKind.CODING
        return cls(
            question_id, QuestionKind(kind), choices, language_ids(content) if coding else ()
        )


def normalize_response(spec: QuestionSpec, response: dict[str, Any]) -> dict[str, Any]:
    """Return the canonical response for `spec`, or raise InvalidResponseError saying why."""
    kind = spec.kind
    if kind is QuestionKind.SINGLE_CHOICE:
        choice = _field(response, "choice", str, kind)
        _check_choices(spec, [choice])
        return {"choice": choice}
    if kind is QuestionKind.MULTI_CHOICE:
        choices = _field(response, "choices", list, kind)
        if not all(isinstance(c, str) for c in choices) or len(set(choices)) != len(choices):
            raise InvalidResponseError("`choices` must be a list of distinct choice ids.")
        _check_choices(spec, choices)
        return {"choices": sorted(choices)}
    if kind is QuestionKind.TRUE_FALSE:
        return {"value": _field(response, "value", bool, kind)}
    if kind is QuestionKind.NUMERIC:
        value = response.get("value")
        # bool is an int subclass in Python; `true` is not a number here.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or set(response) != {"value"}
        ):
            raise InvalidResponseError('A numeric answer is {"value": <number>}.')
        try:
            number = float(value)  # an int past float's range (10**400) overflows here
        except OverflowError as exc:
            raise InvalidResponseError("A numeric answer must be finite.") from exc
        if not math.isfinite(number):
            raise InvalidResponseError("A numeric answer must be finite.")
        return {"value": number}
    return normalize_code(spec, response)


def normalize_code(spec: QuestionSpec, response: dict[str, Any]) -> dict[str, Any]:
    """A coding answer is `{source, language}`; without a language it is Python, as before."""
    source, language = response.get("source"), response.get("language", DEFAULT_LANGUAGE)
    if not set(response) <= {"source", "language"} or not isinstance(source, str):
        raise InvalidResponseError(
            "A coding answer is {'source': <str>, 'language': <str>}, "
            f"got keys {sorted(response)}."
        )
    check_language(spec.languages, language)
    check_source_size(source)
    return {"source": source, "language": language}


def check_language(offered: tuple[str, ...], language: object) -> str:
    """Return `language` if the task is offered in it, else raise InvalidResponseError."""
    if not isinstance(language, str) or language not in offered:
        raise InvalidResponseError(
            f"This question can be answered in {', '.join(map(repr, offered))}; "
            f"not in {str(language)[:40]!r}."
        )
    return language


def check_source_size(source: str) -> None:
    """Refuse code over the limit, counted in UTF-8 bytes as it is stored and sent to the judge."""
    try:
        size = len(source.encode())
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800") has no UTF-8 form
        raise InvalidResponseError("Source code must be valid Unicode text.") from exc
    if size > MAX_SOURCE_BYTES:
        raise AnswerTooLargeError(
            f"Source code is limited to {MAX_SOURCE_BYTES // 1024} KiB of UTF-8 "
            f"({MAX_SOURCE_BYTES} bytes); this one is {size} bytes.",
            limit_bytes=MAX_SOURCE_BYTES,
            size_bytes=size,
        )


def _field(response: dict[str, Any], name: str, type_: type, kind: QuestionKind) -> Any:
    value = response.get(name)
    if set(response) != {name} or not isinstance(value, type_):
        expected = f"{{{name!r}: <{type_.__name__}>}}"
        raise InvalidResponseError(
            f"A {kind.value} answer is {expected}, got keys {sorted(response)}."
        )
    return value


def _check_choices(spec: QuestionSpec, choices: list[str]) -> None:
    unknown = [c for c in choices if c not in spec.choice_ids]
    if unknown:
        raise InvalidResponseError(f"Unknown choice ids: {', '.join(unknown)}.")
