"""The strict unified-diff applier the bank's mutants are stored with."""

from __future__ import annotations

import pytest

from sandbox.grading.patches import PatchError, apply_patch, make_patch

REFERENCE = "".join(f"line {i}\n" for i in range(1, 21))


def _changed(lines: dict[int, str | None], *, insert: dict[int, str] | None = None) -> str:
    """REFERENCE with 1-based lines replaced (None deletes) and text inserted before a line."""
    out = []
    for i, line in enumerate(REFERENCE.splitlines(keepends=True), start=1):
        out.append((insert or {}).get(i, ""))
        if i in lines:
            out.append("" if lines[i] is None else f"{lines[i]}\n")
        else:
            out.append(line)
    return "".join(out)


@pytest.mark.parametrize(
    "changed",
    [
        _changed({3: "line three"}),
        _changed({2: "two", 18: "eighteen"}),  # two hunks
        _changed({10: None}),  # a deletion
        _changed({}, insert={1: "# a comment naming the bug\n"}),  # an insertion at the top
        _changed({}, insert={12: "extra\nmore\n"}),
        _changed({1: "first", 20: "last"}),
        REFERENCE + "appended\n",
        REFERENCE.rstrip("\n"),  # the final newline removed
        _changed({20: "last, no newline"}).rstrip("\n"),
        "",  # everything removed
    ],
)
def test_a_written_diff_applies_back_to_the_same_bytes(changed: str) -> None:
    diff = make_patch(REFERENCE, changed, old_name="reference.py", new_name="mutant.py")
    assert apply_patch(REFERENCE, diff) == changed


def test_a_reference_without_a_final_newline_round_trips() -> None:
    original = REFERENCE.rstrip("\n")
    changed = original.replace("line 20", "line twenty")
    diff = make_patch(original, changed, old_name="a", new_name="b")
    assert "\\ No newline at end of file" in diff
    assert apply_patch(original, diff) == changed


def test_free_text_before_the_headers_is_allowed() -> None:
    diff = make_patch(REFERENCE, _changed({5: "five"}), old_name="a", new_name="b")
    assert apply_patch(REFERENCE, "The bug: line five is spelt out.\n\n" + diff) == _changed(
        {5: "five"}
    )


def test_an_empty_context_line_stripped_by_an_editor_still_applies() -> None:
    original = "a\n\nb\nc\n"
    diff = "--- a\n+++ b\n@@ -1,4 +1,4 @@\n a\n\n-b\n+B\n c\n"
    assert apply_patch(original, diff) == "a\n\nB\nc\n"


def test_context_that_no_longer_matches_names_the_hunk_and_the_line() -> None:
    diff = make_patch(REFERENCE, _changed({3: "x", 15: "y"}), old_name="a", new_name="b")
    edited = REFERENCE.replace("line 14\n", "line fourteen\n")
    with pytest.raises(PatchError, match=r"hunk 2 \(@@ -12,7 \+12,7 @@\) does not apply") as err:
        apply_patch(edited, diff)
    assert err.value.hunk == 2
    assert "line 14 of the reference is 'line fourteen'" in str(err.value)


def test_no_fuzz_a_hunk_moved_by_one_line_is_refused() -> None:
    diff = make_patch(REFERENCE, _changed({10: "ten"}), old_name="a", new_name="b")
    # An extra line at the top shifts the hunk's context: a fuzzy `patch` would still apply it.
    with pytest.raises(PatchError, match="hunk 1"):
        apply_patch("new first line\n" + REFERENCE, diff)


def test_a_removed_line_that_differs_is_refused() -> None:
    diff = "--- a\n+++ b\n@@ -2,1 +2,1 @@\n-line 3\n+line three\n"
    with pytest.raises(PatchError, match="line 2 of the reference is 'line 2'"):
        apply_patch(REFERENCE, diff)


def test_a_hunk_past_the_end_of_the_file_is_refused() -> None:
    diff = "--- a\n+++ b\n@@ -20,2 +20,2 @@\n line 20\n-line 21\n+line xxi\n"
    with pytest.raises(PatchError, match="line 21 of the reference is the end of the file"):
        apply_patch(REFERENCE, diff)


@pytest.mark.parametrize(
    ("diff", "complaint"),
    [
        ("just some text\n", "not a unified diff"),
        ("--- a\n+++ b\n", "no hunks"),
        ("--- a\n+++ b\n@@ -1,2 +1,2 @@\n line 1\n", "ends early"),
        ("--- a\n+++ b\n@@ -1,1 +1,1 @@\n*line 1\n", "starts with '\\*'"),
        ("--- a\n+++ b\nline 1\n", "expected a hunk header"),
        ("--- a\n+++ b\n@@ -1 +1 @@\n-line 1\n+x\n--- c\n+++ d\n", "exactly one file"),
        ("--- a\n+++ b\n@@ -1 +2 @@\n-line 1\n+x\n", "new line number"),
        (
            "--- a\n+++ b\n@@ -5 +5 @@\n-line 5\n+x\n@@ -3 +3 @@\n-line 3\n+y\n",
            "overlaps the one before",
        ),
    ],
)
def test_malformed_diffs_are_refused_with_a_reason(diff: str, complaint: str) -> None:
    with pytest.raises(PatchError, match=complaint):
        apply_patch(REFERENCE, diff)
