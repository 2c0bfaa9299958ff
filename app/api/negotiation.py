"""Content negotiation by the Accept header (RFC 9110 §12.5.1), q-values included."""

from __future__ import annotations

from collections.abc import Sequence

from app.errors import DomainError


class NotAcceptableError(DomainError):
    status, code, title = 406, "not-acceptable", "No representation matches the Accept header"


def negotiate(accept: str | None, offers: Sequence[str]) -> str:
    """The offer the client prefers most; the first offer when Accept is absent or unreadable.

    `q=0` means "not this"; when every offer is refused, NotAcceptableError.
    """
    ranges = _parse(accept or "")
    if not ranges:
        return offers[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, offer in enumerate(offers):
        quality, specificity = _quality(offer, ranges)
        # Higher q wins; at equal q the more specific range, then the server's order.
        key = (quality, specificity, -order)
        if quality > 0 and (best is None or key > best):
            best, chosen = key, offer
    if chosen is None:
        raise NotAcceptableError(f"This resource is available as {', '.join(offers)}.")
    return chosen


def _parse(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        kind, slash, subtype = media.strip().lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    quality = 0.0
        ranges.append((kind, subtype, quality))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching `offer` (and how specific it is)."""
    kind, _, subtype = offer.partition("/")
    match: tuple[float, int] = (0.0, -1)
    for r_kind, r_subtype, quality in ranges:
        if (r_kind, r_subtype) == (kind, subtype):
            specificity = 2
        elif r_kind == kind and r_subtype == "*":
            specificity = 1
        elif (r_kind, r_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > match[1]:
            match = (quality, specificity)
    return match[0], max(match[1], 0)
