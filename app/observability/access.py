"""Who may read the metrics: a scraper presenting METRICS_TOKEN, or (no token set) loopback only.

The metrics name no secret, but they describe the service (routes, load, failures), so they
are not for anyone who can reach the port. Without a token, only a client on the same host
(127.0.0.1, ::1) is answered; behind a proxy on that host, set a token.
"""

from __future__ import annotations

import hmac
import ipaddress


def metrics_allowed(client_host: str | None, authorization: str | None, token: str | None) -> bool:
    if token:
        given = (authorization or "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    try:
        return client_host is not None and ipaddress.ip_address(client_host).is_loopback
    except ValueError:  # not an address (a test client's "testclient"): not loopback
        return False
