"""Debian's R (r-base-core) as a sandbox child: where it lives and how a fresh child starts.

The child execs R's binary itself (``bin/exec/R``), not the ``R``/``Rscript`` shell scripts:
the sandbox has no shell, no ``PATH`` and no ``/etc`` but ``/etc/R``. What the scripts would
set comes from here instead: ``R_HOME`` and its share/include/doc directories, and a library
path naming libR and the real directories of the BLAS and LAPACK that Debian reaches through
``/etc/alternatives`` (not in the sandbox's view). ``R_DEFAULT_PACKAGES=NULL``: only base R is
attached at start (about 60 ms, against about 170 ms with stats, utils and methods).

``R_ENABLE_JIT=0``: the harness is byte-compiled ahead (harness.Rc, and the zygote compiles it
before forking), so R's JIT only ever compiled the candidate's closures, again in every job:
warm-pool grades of two_layer_net and batchnorm took 0.8-1.0 s with it and 0.45-0.6 s without
(load ~14 on 2 cores). Vectorised R loses nothing; an explicit R loop runs slower uncompiled,
and the R reference it is timed against runs under the same setting.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from pathlib import Path

from sandbox.isolation.limits import Limits

R_HOME = Path("/usr/lib/R")
R_BINARY = R_HOME / "bin" / "exec" / "R"
# Read by R at start and outside /usr/lib, so bound read-only into an R child's view.
R_SHARE = "/usr/share/R"
R_ETC = "/etc/R"
# The R entry of a fresh child, relative to the runtime's child directory.
MAIN = "sandbox/child/r/main.R"
# R refuses to start ("the limit on the number of open files is too low") below 1/0.6 of its
# DLL table, which cannot be made smaller than R_MAX_NUM_DLLS=100: so an R child gets at least
# this many descriptors. Not a wall: the cgroups, seccomp and the view are.
MAX_NUM_DLLS = 100
MIN_OPEN_FILES = 192


def available() -> bool:
    """Whether r-base-core is installed (scripts/bootstrap and the Dockerfile install it)."""
    return R_BINARY.is_file() and os.access(R_BINARY, os.X_OK)


def binds() -> list[str]:
    """Host directories outside /usr/lib an R child reads (configuration only)."""
    return [path for path in (R_SHARE, R_ETC) if os.path.isdir(path)]


def library_path() -> str:
    """libR's directory, then the real directories of libblas.so.3 and liblapack.so.3."""
    dirs = [str(R_HOME / "lib")]
    for name in ("libblas.so.3", "liblapack.so.3"):
        for link in sorted(glob.glob(f"/usr/lib/*/{name}")):
            real = os.path.dirname(os.path.realpath(link))
            if real.startswith("/usr/lib/") and real not in dirs:
                dirs.append(real)
    return ":".join(dirs)


def environment() -> dict[str, str]:
    """The environment of an R child (bwrap clears everything else)."""
    return {
        "R_HOME": str(R_HOME),
        "R_SHARE_DIR": f"{R_SHARE}/share",
        "R_INCLUDE_DIR": f"{R_SHARE}/include",
        "R_DOC_DIR": f"{R_SHARE}/doc",
        "R_DEFAULT_PACKAGES": "NULL",
        "R_LIBS_USER": "/nonexistent",
        "R_MAX_NUM_DLLS": str(MAX_NUM_DLLS),
        "R_ENABLE_JIT": "0",
        "LD_LIBRARY_PATH": library_path(),
        "TMPDIR": "/tmp",
    }


def argv(child_dir: str, job_fd: int, result_fd: int) -> list[str]:
    """R's command line for one fresh job: run main.R on the two pipes, nothing else."""
    return [
        str(R_BINARY),
        "--vanilla",
        "--no-echo",
        f"--file={child_dir}/{MAIN}",
        "--args",
        str(job_fd),
        str(result_fd),
    ]


def limits(limits: Limits) -> Limits:
    """The limits of an R child: the job's, with the open files R needs to start."""
    return dataclasses.replace(limits, open_files=max(limits.open_files, MIN_OPEN_FILES))
