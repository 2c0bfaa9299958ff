"""Unified diffs for the bank's mutants: a strict applier and the writer authors use.

A mutant is stored as a small diff against its task's reference, so a reader sees the bug in a
few lines and a fix to the reference carries over. The applier is strict on purpose: no fuzz, no
offsets, every context and removed line must match the reference exactly where the hunk header
says. A diff that no longer fits its reference is an error naming the hunk, never a silently
different mutant.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file"


class PatchError(ValueError):
    """A diff is malformed or does not apply; `hunk` is its 1-based number (0: the headers)."""

    def __init__(self, message: str, hunk: int = 0) -> None:
        super().__init__(message)
        self.hunk = hunk


@dataclass
class _Hunk:
    number: int
    header: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


def apply_patch(original: str, diff: str) -> str:
    """Apply a one-file unified diff to `original`; raise PatchError unless it fits exactly."""
    hunks = _parse(diff)
    lines = original.splitlines(keepends=True)
    out: list[str] = []
    position = 0  # index into `lines` of the first line not yet copied
    shift = 0  # new-side line numbers run ahead of old-side ones by this much
    for hunk in hunks:
        # A hunk that only inserts names the line *after* which it inserts.
        start = hunk.old_start if hunk.old_len == 0 else hunk.old_start - 1
        if start < position:
            raise PatchError(
                f"hunk {hunk.number} ({hunk.header}) overlaps the one before", hunk.number
            )
        if hunk.new_start - hunk.old_start != shift + (hunk.old_len == 0) - (hunk.new_len == 0):
            raise PatchError(
                f"hunk {hunk.number} ({hunk.header}): its new line number does not follow from "
                "the hunks before it",
                hunk.number,
            )
        _expect(lines, start, hunk)
        out += lines[position:start]
        out += hunk.new
        position = start + hunk.old_len
        shift += hunk.new_len - hunk.old_len
    out += lines[position:]
    return "".join(out)


def make_patch(original: str, changed: str, *, old_name: str, new_name: str) -> str:
    """Write the unified diff (3 lines of context) that turns `original` into `changed`."""
    diff = difflib.unified_diff(
        original.splitlines(keepends=True),
        changed.splitlines(keepends=True),
        fromfile=old_name,
        tofile=new_name,
    )
    out: list[str] = []
    for line in diff:
        out.append(line)
        if not line.endswith("\n"):
            # The last line of a file without a final newline: say so, as diff and git do.
            out.append("\n" + _NO_NEWLINE + "\n")
    return "".join(out)


def _expect(lines: list[str], start: int, hunk: _Hunk) -> None:
    for offset, want in enumerate(hunk.old):
        index = start + offset
        got = lines[index] if index < len(lines) else None
        if got != want:
            where = f"line {index + 1} of the reference"
            found = "the end of the file" if got is None else repr(got.rstrip("\n"))
            if got is not None and got.rstrip("\n") == want.rstrip("\n"):
                found += " (only the final newline differs)"
            raise PatchError(
                f"hunk {hunk.number} ({hunk.header}) does not apply: {where} is {found}, "
                f"the diff expects {want.rstrip(chr(10))!r}",
                hunk.number,
            )


def _parse(diff: str) -> list[_Hunk]:
    lines = diff.splitlines(keepends=True)
    index = 0
    # Free text before the headers (a description, git's "diff --git" lines) is allowed.
    while index < len(lines) and not lines[index].startswith("--- "):
        index += 1
    if index + 1 >= len(lines) or not lines[index + 1].startswith("+++ "):
        raise PatchError("not a unified diff: expected '--- old' and '+++ new' header lines")
    index += 2
    hunks: list[_Hunk] = []
    while index < len(lines):
        header = lines[index].rstrip("\n")
        match = _HUNK.match(header)
        if match is None:
            if header.startswith("--- "):
                raise PatchError("a mutant diff changes exactly one file (found a second one)")
            raise PatchError(
                f"line {index + 1} of the diff: expected a hunk header '@@ -a,b +c,d @@'"
            )
        old_start, old_len, new_start, new_len = (
            int(g) if g is not None else 1 for g in match.groups()
        )
        hunk = _Hunk(len(hunks) + 1, header, old_start, old_len, new_start, new_len)
        index = _read_hunk(lines, index + 1, hunk)
        hunks.append(hunk)
    if not hunks:
        raise PatchError("the diff has no hunks")
    return hunks


def _read_hunk(lines: list[str], index: int, hunk: _Hunk) -> int:
    last: list[list[str]] = []
    while len(hunk.old) < hunk.old_len or len(hunk.new) < hunk.new_len:
        if index >= len(lines):
            raise PatchError(f"hunk {hunk.number} ({hunk.header}) ends early", hunk.number)
        line = lines[index]
        # An editor may strip the single space of an empty context line: read it as one.
        tag, text = (" ", "\n") if line in ("\n", "\r\n") else (line[0], line[1:])
        if tag == " ":
            last = [hunk.old, hunk.new]
        elif tag == "-":
            last = [hunk.old]
        elif tag == "+":
            last = [hunk.new]
        elif line.rstrip("\n") == _NO_NEWLINE and last:
            _drop_final_newline(last, hunk)
            index += 1
            continue
        else:
            raise PatchError(
                f"hunk {hunk.number} ({hunk.header}): line {index + 1} of the diff starts with "
                f"{tag!r}, not ' ', '-' or '+'",
                hunk.number,
            )
        for side in last:
            side.append(text)
        index += 1
    if len(hunk.old) != hunk.old_len or len(hunk.new) != hunk.new_len:
        raise PatchError(
            f"hunk {hunk.number} ({hunk.header}) has {len(hunk.old)} old and {len(hunk.new)} new "
            "lines, not the counts its header gives",
            hunk.number,
        )
    if index < len(lines) and lines[index].rstrip("\n") == _NO_NEWLINE and last:
        _drop_final_newline(last, hunk)
        index += 1
    return index


def _drop_final_newline(sides: list[list[str]], hunk: _Hunk) -> None:
    for side in sides:
        if not side[-1].endswith("\n"):
            raise PatchError(f"hunk {hunk.number}: a repeated 'No newline' marker", hunk.number)
        side[-1] = side[-1][:-1]
