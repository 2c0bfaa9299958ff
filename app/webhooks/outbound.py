"""The HTTP client for requests to customer URLs: no private targets, no redirects, a timeout.

The address check runs where the socket connects, on the addresses the name resolved to at that
moment, so a host that resolves to a public address when saved and to 127.0.0.1 later (DNS
rebinding) is still refused. Proxies from the environment are ignored: one would connect for us.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "Chainrule-Webhooks/1.0"


class PrivateTargetError(httpcore.ConnectError):
    """The target resolved to an address the service must not call (httpx reports ConnectError)."""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not self._allow_private:
            refused = [a for a in addresses if not is_public_address(a)]
            # One private address among public ones is refused too: the connect could pick it.
            if refused:
                raise PrivateTargetError(f"{host} resolves to a private address ({refused[0]})")
        # Connect to the address checked above, never to the name (a second lookup could differ).
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(trust_env=False, retries=0)
        # httpx builds its connection pool without a way to pass a network backend, so the pool
        # is rebuilt with ours (same defaults as httpx's own).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_GuardedBackend(allow_private),
        )


def outbound_client(*, allow_private: bool, timeout: float | None = None) -> httpx.Client:
    """A client for customer URLs; close it when done."""
    return httpx.Client(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=TIMEOUT if timeout is None else httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )
