"""The REST API's own management routes (API keys) and their settings page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Organization
from app.organizations.service import mint_api_key

BODIES: dict[str, dict[str, Any]] = {
    "create_api_key": {"json": {"name": "matrix", "scope": "read"}},
    "revoke_api_key": {},
    "create_api_key_page": {"data": {"name": "matrix", "scope": "read"}},
    "revoke_api_key_page": {"data": {}},
}
# Creating a key on the page shows its secret in the answer itself.
PAGE_STATUS = {"create_api_key_page": 200}


def seed(session: Session, organization: Organization, ids: dict[str, str]) -> None:
    key, _ = mint_api_key(session, organization_id=organization.id, name="to revoke", scope="read")
    ids["api_key_id"] = str(key.id)
