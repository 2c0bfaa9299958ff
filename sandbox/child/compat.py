"""Runs INSIDE the sandbox child: the Python-2 compatibility names course boilerplate imports.

Course starters often begin with ``from past.builtins import xrange`` (the ``future`` package).
That package is not installed and no third-party code runs here: a tiny built-in ``past.builtins``
maps the harmless names to their Python 3 meaning, and any other ``past`` import gets a message
telling the candidate to delete the line.
"""

from __future__ import annotations

import ast
import functools
import sys
import types

PAST_BUILTINS: dict[str, object] = {
    "xrange": range,
    "range": range,
    "basestring": str,
    "unicode": str,
    "long": int,
    "unichr": chr,
    "reduce": functools.reduce,
}
_PACKAGE = "past"
_MODULE = "past.builtins"


def install() -> None:
    """Make ``past`` and ``past.builtins`` importable from the shim."""
    package = types.ModuleType(_PACKAGE, "Built-in stand-in for the future package's past.")
    package.__path__ = []
    module = types.ModuleType(_MODULE, "xrange, basestring, unicode, long, unichr, reduce.")
    module.__dict__.update(PAST_BUILTINS)
    package.builtins = module  # type: ignore[attr-defined]
    sys.modules[_PACKAGE] = package
    sys.modules[_MODULE] = module


def unsupported(tree: ast.AST) -> tuple[str, int] | None:
    """Return (message, line) for the first ``past`` import the shim does not provide."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            top = node.module.partition(".")[0]
            if top != _PACKAGE:
                continue
            if node.module == _PACKAGE:
                names = [f"past.{a.name}" for a in node.names if a.name != "builtins"]
            elif node.module == _MODULE:
                names = [f"{_MODULE}.{a.name}" for a in node.names if a.name not in PAST_BUILTINS]
            else:
                names = [node.module]
            if names:
                return _message(names[0], node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] == _PACKAGE and alias.name not in (
                    _PACKAGE,
                    _MODULE,
                ):
                    return _message(alias.name, node)
    return None


def _message(name: str, node: ast.stmt) -> tuple[str, int]:
    offered = ", ".join(sorted(PAST_BUILTINS))
    return (
        f"{name} is Python 2 compatibility code this sandbox does not provide (past.builtins "
        f"offers only {offered}): delete the line, Python 3 does not need it",
        node.lineno,
    )
