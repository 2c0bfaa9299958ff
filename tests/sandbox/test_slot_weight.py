"""A slot's CPU weight: what the host's scheduler gives its cgroup against the other processes."""

from __future__ import annotations

import pytest

from sandbox.isolation import probe, slots


def test_a_slot_weighs_what_its_runner_asked_for() -> None:
    caps = probe()
    if not caps.present.get("cgroup_cpu"):
        pytest.fail(f"no cpu cgroup on this host: {caps.reasons.get('cgroup_cpu')}")
    weights = []
    for shares in (256, slots.PROCESS_CPU_SHARES):
        slot = slots.acquire_slot(caps, cpu_shares=shares)
        try:
            weights.append(int((slot.cgroups["cpu"] / "cpu.shares").read_text()))
        finally:
            slot.release()
    assert weights == [256, slots.PROCESS_CPU_SHARES]
