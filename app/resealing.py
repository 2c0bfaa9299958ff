"""Seal every stored secret again under a new SECRET_KEY (after a rotation)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import GreenhouseOrder, WebhookEndpoint
from app.sealing import CALLBACK_KEY, WEBHOOK_SECRET, Sealer, UnsealError


def reseal_all(session: Session, *, old: Sealer, new: Sealer) -> int:
    """Re-seal what opens with `old` under `new`; return how many values changed.

    Values that already open with `new` are left as they are, so a second run changes nothing.
    """
    changed = 0
    for endpoint in session.scalars(select(WebhookEndpoint)):
        if (value := _resealed(endpoint.secret, WEBHOOK_SECRET, old, new)) is not None:
            endpoint.secret, changed = value, changed + 1
    for order in session.scalars(select(GreenhouseOrder)):
        if (value := _resealed(order.callback_key, CALLBACK_KEY, old, new)) is not None:
            order.callback_key, changed = value, changed + 1
    session.commit()
    return changed


def _resealed(stored: str, purpose: str, old: Sealer, new: Sealer) -> str | None:
    try:
        new.unseal(stored, purpose=purpose)
        return None
    except UnsealError:
        pass
    # A value neither key opens raises here: the rotation stops before it changes anything.
    return new.seal(old.unseal(stored, purpose=purpose), purpose=purpose)
