"""`chainrule bank validate` on the plain install: nothing from the dev extras, progress shown."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib

from app.settings import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    """Canonical distribution names of PEP 508 requirement strings."""
    found = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        found.add(re.sub(r"[-_.]+", "-", match.group()).lower())
    return found


def _dev_only_modules() -> list[str]:
    """Top-level modules that only the dev extras install."""
    runtime = _names(PROJECT["dependencies"])
    dev_only = _names(PROJECT["optional-dependencies"]["dev"]) - runtime
    return sorted(
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if dists and all(re.sub(r"[-_.]+", "-", d).lower() in dev_only for d in dists)
    )


def test_autograd_is_a_runtime_dependency() -> None:
    assert "autograd" in _names(PROJECT["dependencies"])


def test_validate_runs_to_the_end_without_the_dev_extras() -> None:
    blocked = _dev_only_modules()
    assert "pytest" in blocked  # the check below really hides the dev extras
    script = (
        "import sys\n"
        f"for name in {blocked!r}:\n"
        "    sys.modules[name] = None  # import fails, as on the plain install\n"
        "from app.cli import main\n"
        "sys.exit(main(['bank', 'validate', '--task', 'relu']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("the bank is valid")
    assert "references vs autodiff: worst" in done.stdout
    # Progress on stderr, a line per coding task when stderr is not a terminal.
    assert "checking the concept items" in done.stderr
    assert re.search(r"\d+/\d+ relu", done.stderr)


def test_validate_refuses_an_unknown_task() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "bank", "validate", "--task", "no_such_task"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "no task no_such_task" in done.stderr
