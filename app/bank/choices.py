"""The order in which one attempt shows a choice item's options."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def choice_order(
    attempt_seed: int, item_id: str, choice_ids: Sequence[str], shuffle: bool = True
) -> list[str]:
    """Return the choice ids in the order this attempt shows them.

    The order is a pure function of the attempt's seed, the item and its choice ids: every reload
    shows the same order, and the report recomputes exactly what the candidate saw. Responses name
    choices by id, so the order never affects scoring. Sorting by a hash (not a seeded shuffle)
    keeps the order independent of numpy's and Python's random algorithms. Without `shuffle`
    (the assessment turned it off), every attempt shows the order the item was written in.
    """
    if not shuffle:
        return list(choice_ids)

    def key(choice_id: str) -> bytes:
        return hashlib.sha256(f"choices:{attempt_seed}:{item_id}:{choice_id}".encode()).digest()

    return sorted(choice_ids, key=key)
