"""Host-side isolation layers: probing, slots (uids and cgroups), a zygote's two-uid user
namespace, seccomp, the bwrap command, limits, and the numpy-only runtime the child sees.
"""

from sandbox.isolation.capabilities import (
    CGROUP_PARENT,
    CGROUP_ROOT,
    V1_CONTROLLERS,
    Capabilities,
    check_strict,
    probe,
)
from sandbox.isolation.limits import Limits

__all__ = [
    "CGROUP_PARENT",
    "CGROUP_ROOT",
    "V1_CONTROLLERS",
    "Capabilities",
    "Limits",
    "check_strict",
    "probe",
]
