"""The sandbox runtime directory: a numpy-only venv plus the child-side files of the judge.

Layout of ``<dir>`` (default ``<repo>/var/judge-runtime``)::

    child/sandbox/__init__.py                         a stub: the child never loads the grader
    child/sandbox/{wire,child}/*.py                   what the child imports (copied)
    child/sandbox/child/r/*.R                         the R child's harness (copied)
    child/sandbox/child/r/harness.Rc                  the R harness compiled (ensure_r_harness)
    child/sandbox/child/r/zygote.so                   the R zygote's library, built by gcc from
                                                      sandbox/child/r/zygote.c (ensure_r)
    venv/                                             python -m venv + numpy==<host version>
    pyrt/                                             empty mount point for the interpreter prefix
    READY                                             stamp: numpy version + python version

The child never sees the project checkout or the project's .venv (which holds autograd and
other tools); it sees only this directory, read-only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from sandbox.errors import SandboxError
from sandbox.isolation import r_runtime

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = _PACKAGE_DIR.parent
DEFAULT_DIR = REPO_ROOT / "var" / "judge-runtime"
# The subpackages the child imports; the import contracts keep them free of everything else.
CHILD_PACKAGES = ("wire", "child")
R_CHILD = "child/r"
_lock = threading.Lock()

R_ZYGOTE_LIBRARY = "zygote.so"
R_HARNESS_COMPILED = "harness.Rc"
# The R child's entry points; every other .R file beside them is a part of the harness.
R_ENTRIES = ("main.R", "zygote.R")

__all__ = ["DEFAULT_DIR", "Runtime", "ensure", "ensure_r", "install_child_files"]


class Runtime:
    """Paths inside a prepared runtime directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.child = root / "child"
        self.venv = root / "venv"
        self.pyrt = root / "pyrt"

    @property
    def r_child(self) -> Path:
        """The R child's files (harness, zygote and the zygote's library)."""
        return self.child / "sandbox" / R_CHILD

    @property
    def python(self) -> Path:
        """The venv interpreter (a symlink into the base prefix)."""
        return self.venv / "bin" / "python"

    def site_packages(self) -> Path:
        """The venv's site-packages directory."""
        ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return self.venv / "lib" / ver / "site-packages"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _install(src: Path, target: Path) -> None:
    if target.exists() and _digest(target) == _digest(src):
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def install_child_files(dest: Path) -> Path:
    """Copy the child-side subpackages into ``dest/sandbox/``; cheap when already up to date."""
    pkg = dest / "sandbox"
    pkg.mkdir(parents=True, exist_ok=True)
    init = pkg / "__init__.py"
    if not init.exists():
        # Deliberately not the real package __init__: the child must not import the grader.
        init.write_text('"""Child-side copy of the judge: the wire and the child only."""\n')
    for sub in CHILD_PACKAGES:
        (pkg / sub).mkdir(exist_ok=True)
        for src in sorted((_PACKAGE_DIR / sub).glob("*.py")):
            _install(src, pkg / sub / src.name)
        (pkg / sub).chmod(0o755)
    # The R child (sandbox/child/r/): its harness and entry points, beside the Python child.
    r_dir = pkg / R_CHILD
    r_dir.mkdir(exist_ok=True)
    for src in sorted((_PACKAGE_DIR / R_CHILD).glob("*.R")):
        _install(src, r_dir / src.name)
    r_dir.chmod(0o755)
    for path in (dest, pkg):
        path.chmod(0o755)
    return dest


def ensure_r(rt: Runtime) -> Path:
    """Build the R zygote's library into the runtime; cheap when it is up to date.

    Called when the first R job starts the R zygotes, so a Python-only deployment needs
    neither R nor gcc.
    """
    source = _PACKAGE_DIR / R_CHILD / "zygote.c"
    built = rt.r_child / R_ZYGOTE_LIBRARY
    stamp = rt.r_child / f"{R_ZYGOTE_LIBRARY}.sha256"
    with _lock:
        if not (built.exists() and stamp.exists() and stamp.read_text() == _digest(source)):
            _compile(source, built)
            stamp.write_text(_digest(source))
    return built


def ensure_r_harness(child: Path) -> None:
    """Byte-compile the R harness's files together into harness.Rc; cheap when it is up to date.

    A fresh R child loads harness.Rc (main.R) instead of letting R's JIT compile the harness's
    closures again in every child: measured 0.55 -> 0.30 s of CPU per fresh R run. Called by a
    runner's first R job, so a Python-only deployment needs no R.
    """
    r_dir = child / "sandbox" / R_CHILD
    parts = sorted(p for p in r_dir.glob("*.R") if p.name not in R_ENTRIES)
    text = b"\n".join(part.read_bytes() for part in parts)
    target = r_dir / R_HARNESS_COMPILED
    stamp = r_dir / f"{R_HARNESS_COMPILED}.sha256"
    # Byte code is R's own format: a new R rebuilds it (and main.R falls back to the source).
    version = f"{hashlib.sha256(text).hexdigest()} {r_runtime.R_BINARY.stat().st_mtime_ns}"
    with _lock, tempfile.TemporaryDirectory() as scratch:
        if target.exists() and stamp.exists() and stamp.read_text() == version:
            return
        source = Path(scratch) / "harness.R"
        source.write_bytes(text)
        fd, tmp = tempfile.mkstemp(dir=r_dir, prefix=f".{R_HARNESS_COMPILED}.")
        os.close(fd)
        done = subprocess.run(
            [
                str(r_runtime.R_BINARY),
                "--vanilla",
                "--no-echo",
                "-e",
                "a <- commandArgs(TRUE); compiler::cmpfile(a[1], a[2], verbose = FALSE)",
                "--args",
                str(source),
                tmp,
            ],
            env={**r_runtime.environment(), "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode != 0:
            os.unlink(tmp)
            raise SandboxError(f"cannot byte-compile the R harness: {done.stderr[-800:]}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        stamp.write_text(version)


def _compile(source: Path, target: Path) -> None:
    gcc = shutil.which("gcc")
    if gcc is None:
        raise SandboxError("gcc is not installed: it builds the R zygote's library (zygote.c)")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    built = subprocess.run(
        [gcc, "-O2", "-Wall", "-shared", "-fPIC", "-o", tmp, str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        os.unlink(tmp)
        raise SandboxError(f"cannot build the R zygote's library: {built.stderr[-800:]}")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def _stamp() -> str:
    return f"numpy=={np.__version__} python={sys.version.split()[0]} base={sys.base_prefix}\n"


def ensure(root: Path = DEFAULT_DIR) -> Runtime:
    """Prepare the runtime directory (idempotent; fast when already prepared)."""
    rt = Runtime(root)
    with _lock:
        root.mkdir(parents=True, exist_ok=True)
        ready = root / "READY"
        if not (ready.exists() and ready.read_text() == _stamp() and rt.python.exists()):
            _build_venv(rt)
            ready.write_text(_stamp())
        install_child_files(rt.child)
        rt.pyrt.mkdir(exist_ok=True)
        for path in (root, rt.child, rt.pyrt):
            path.chmod(0o755)
        # The sandbox uids open these paths themselves (bwrap runs as the slot uid).
        for parent in root.parents:
            if parent.stat().st_mode & 0o001 == 0:
                raise SandboxError(f"{parent} is not traversable by other users; move the runtime")
    return rt


def _copy_host_numpy(site: Path) -> None:
    """Fallback without an index: copy the host's numpy install (same version by construction)."""
    host_site = Path(np.__file__).resolve().parent.parent
    for entry in host_site.iterdir():
        if entry.name in ("numpy", "numpy.libs") or (
            entry.name.startswith("numpy-") and entry.name.endswith(".dist-info")
        ):
            shutil.copytree(entry, site / entry.name, symlinks=True, dirs_exist_ok=True)


def _build_venv(rt: Runtime) -> None:
    if rt.venv.exists():
        shutil.rmtree(rt.venv)
    # sys._base_executable is the real interpreter, not the project venv's python.
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(rt.venv)], check=True)
    # Install numpy with the host pip into the venv's site-packages, from the host's wheel
    # cache or index: the same version the trusted side uses, nothing else.
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(rt.site_packages()),
            f"numpy=={np.__version__}",
        ],
        check=False,
    )
    if pip.returncode != 0:
        _copy_host_numpy(rt.site_packages())
    for dirpath, dirnames, filenames in os.walk(rt.venv):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, os.stat(full).st_mode | 0o444)
