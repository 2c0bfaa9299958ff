"""Text a request may carry: no NUL (PostgreSQL refuses it) and no lone UTF-16 surrogate
(no UTF-8 form, so no database or judge can take it), anywhere in a JSON body."""

from __future__ import annotations

from typing import Any

_SURROGATES = range(0xD800, 0xE000)


def check_storable(value: Any) -> None:
    """Raise ValueError naming the first string in `value` a database could not store."""
    if isinstance(value, str):
        _check_string(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key)
            check_storable(item)
    elif isinstance(value, list | tuple):
        for item in value:
            check_storable(item)


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise ValueError("text must not contain the NUL character (U+0000)")
    # Encoding is the fast test; only a failure needs the slower look for the reason.
    try:
        text.encode()
    except UnicodeEncodeError:
        if any(ord(c) in _SURROGATES for c in text):
            raise ValueError("text must be valid Unicode (a lone surrogate was sent)") from None
        raise
