"""The webhook tests' fixtures (an app allowed to call 127.0.0.1, an org, outbound clients)."""

from tests.webhooks.conftest import (
    api,
    loopback_app,
    loopback_settings,
    org,
    outbound,
    sealer,
    sessions,
)

__all__ = ["api", "loopback_app", "loopback_settings", "org", "outbound", "sealer", "sessions"]
