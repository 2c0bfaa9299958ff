"""Reading a solution file to grade: size and encoding refused with a message, not a traceback."""

from __future__ import annotations

from pathlib import Path

from sandbox.wire import MAX_SOURCE_CHARS

# A file within this many bytes always fits the job frame's character limit.
MAX_SOURCE_BYTES = MAX_SOURCE_CHARS


class SourceFileError(ValueError):
    """A solution file cannot be graded as it is (too large, not UTF-8 text, unreadable)."""


def read_source(path: Path) -> str:
    """Return the file's text, or raise SourceFileError saying what to change."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise SourceFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_SOURCE_BYTES:
        size = path.stat().st_size / 2**20
        raise SourceFileError(
            f"{path} is too large ({size:.1f} MiB): a solution file may be at most "
            f"{MAX_SOURCE_BYTES / 2**20:g} MiB"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): "
            "save it with the UTF-8 encoding"
        ) from exc
