"""The judge's host and child layers stay small enough to read in one sitting."""

from __future__ import annotations

from pathlib import Path

import sandbox

PACKAGE = Path(sandbox.__file__).resolve().parent
LAYERS = ("wire", "child", "isolation", "runners")
MAX_LINES = 400


def test_no_module_of_the_host_or_child_layers_is_over_400_lines() -> None:
    modules = [p for layer in LAYERS for p in (PACKAGE / layer).glob("*.py")]
    modules.append(PACKAGE / "errors.py")
    modules.extend((PACKAGE / "child" / "r").glob("*.R"))  # the R child is held to the same rule
    assert len(modules) > len(LAYERS)
    assert PACKAGE / "child" / "r" / "harness.R" in modules
    too_long = {
        str(p.relative_to(PACKAGE)): n
        for p in modules
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long


def test_the_runtime_copies_exactly_the_child_and_the_wire(tmp_path: Path) -> None:
    from sandbox.isolation.runtime import install_child_files

    dest = install_child_files(tmp_path / "child")
    copied = {str(p.relative_to(dest)) for p in dest.rglob("*.py")}
    expected = {
        f"sandbox/{layer}/{p.name}"
        for layer in ("wire", "child")
        for p in (PACKAGE / layer).glob("*.py")
    }
    assert copied == {"sandbox/__init__.py", *expected}
    copied_r = {str(p.relative_to(dest)) for p in dest.rglob("*.R")}
    assert copied_r == {f"sandbox/child/r/{p.name}" for p in (PACKAGE / "child/r").glob("*.R")}
    parts = {"harness", "json", "frames", "errors", "guards", "plan", "main"}
    assert {f"sandbox/child/r/{part}.R" for part in parts} <= copied_r
    # the stub package never pulls in the grader
    assert "import" not in (dest / "sandbox" / "__init__.py").read_text()
