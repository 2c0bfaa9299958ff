"""Resource limits of one sandbox run, shared by the launchers and the runners."""

from __future__ import annotations

import math
from dataclasses import dataclass

# numpy + the harness map ~140 MiB of address space before any candidate allocation; RLIMIT_AS
# gets this much on top of the memory limit so that a huge np.ones() fails with a clean
# MemoryError while the memory cgroup still bounds what is actually touched.
ADDRESS_SPACE_HEADROOM = 256 * 2**20
CPU_HARD_MARGIN = 1  # seconds between SIGXCPU and the kernel's SIGKILL


@dataclass(frozen=True)
class Limits:
    """What one run may use; every field is enforced by the isolated runners."""

    cpu_seconds: float = 10.0
    wall_seconds: float = 20.0
    memory_bytes: int = 512 * 2**20
    output_bytes: int = 2**20
    processes: int = 32
    open_files: int = 64
    file_bytes: int = 8 * 2**20

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "wall_seconds", "memory_bytes", "output_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.processes < 1 or self.open_files < 16 or self.file_bytes < 0:
            raise ValueError("Limits: processes >= 1, open_files >= 16 and file_bytes >= 0 needed")

    @property
    def cpu_soft(self) -> int:
        """RLIMIT_CPU soft value (whole seconds, at least 1)."""
        return max(1, math.ceil(self.cpu_seconds))

    @property
    def cpu_hard(self) -> int:
        """RLIMIT_CPU hard value: a pid-1 process ignores SIGXCPU, so the hard limit must follow."""
        return self.cpu_soft + CPU_HARD_MARGIN

    @property
    def address_space_bytes(self) -> int:
        """RLIMIT_AS for the child."""
        return self.memory_bytes + ADDRESS_SPACE_HEADROOM

    def rlimit_args(self) -> list[str]:
        """The limits as command-line arguments for the child's bootstrap (see bootstrap_code)."""
        return [
            str(self.cpu_soft),
            str(self.cpu_hard),
            str(self.address_space_bytes),
            str(self.file_bytes),
            str(self.open_files),
        ]


# Runs first in every fresh child, before the harness is imported: the limits are set by the
# process on itself, so the launcher needs no preexec_fn (unsafe with threads).
BOOTSTRAP = (
    "import resource as r, sys\n"
    "a = sys.argv\n"
    "r.setrlimit(r.RLIMIT_CORE, (0, 0))\n"
    "r.setrlimit(r.RLIMIT_CPU, (int(a[2]), int(a[3])))\n"
    "r.setrlimit(r.RLIMIT_AS, (int(a[4]), int(a[4])))\n"
    "r.setrlimit(r.RLIMIT_FSIZE, (int(a[5]), int(a[5])))\n"
    "r.setrlimit(r.RLIMIT_NOFILE, (int(a[6]), int(a[6])))\n"
    "sys.path.insert(0, a[1])\n"
    "del r, a\n"
    "from sandbox.child.harness import main\n"
    "main(int(sys.argv[7]), int(sys.argv[8]))\n"
)


# The same for an R child: set the limits, then exec R (argv[6:]), which inherits them. Python
# because R cannot set its own rlimits and the sandbox has no shell or prlimit; -S keeps it to
# about 10 ms.
R_BOOTSTRAP = (
    "import os, resource as r, sys\n"
    "a = sys.argv\n"
    "r.setrlimit(r.RLIMIT_CORE, (0, 0))\n"
    "r.setrlimit(r.RLIMIT_CPU, (int(a[1]), int(a[2])))\n"
    "r.setrlimit(r.RLIMIT_AS, (int(a[3]), int(a[3])))\n"
    "r.setrlimit(r.RLIMIT_FSIZE, (int(a[4]), int(a[4])))\n"
    "r.setrlimit(r.RLIMIT_NOFILE, (int(a[5]), int(a[5])))\n"
    "os.execv(a[6], a[6:])\n"
)
