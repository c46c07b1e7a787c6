"""Connect-time SSRF guard: upstream connections only ever reach public addresses.

A base URL checked when the key was added can later resolve elsewhere (DNS rebinding, a changed
record). In deployed mode the upstream HTTP client connects through ``GuardedBackend``: it
resolves the host itself, refuses unless every address is public (``is_public_address``, the
same rule as the vault's check), and connects to the vetted IP. httpcore still does the TLS
handshake with the URL's host name (SNI, certificate check) and the request keeps its ``Host``
header, so only the address used is pinned.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpcore
import httpx

from spidergate.vault.urls import host_addresses, is_public_address, normalise_host

AsyncResolver = Callable[[str], Awaitable[Sequence[str]]]


async def system_resolver(host: str) -> list[str]:
    """Every address of ``host`` through the event loop's resolver (A and AAAA)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class BlockedAddress(httpcore.ConnectError):
    """The host resolved to a non-public address (or to nothing): no connection was made."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to vetted public addresses."""

    def __init__(
        self, inner: httpcore.AsyncNetworkBackend | None = None, resolver: AsyncResolver | None = None
    ) -> None:
        self._inner = inner or httpcore.AnyIOBackend()
        self._resolve = resolver or system_resolver

    async def vetted(self, host: str) -> list[str]:
        """The addresses to connect to for ``host``; raises ``BlockedAddress`` (fail closed)."""
        try:
            name = normalise_host(host)
            addresses = await self._addresses(name)
        except (OSError, ValueError) as exc:
            raise BlockedAddress(f"upstream host {host} does not resolve ({type(exc).__name__})") from None
        if not addresses or not all(is_public_address(ip) for ip in addresses):
            raise BlockedAddress(f"upstream host {host} resolves to a non-public address; refused")
        return [str(ip) for ip in addresses]

    async def _addresses(self, name: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        try:
            return [ipaddress.ip_address(name)]
        except ValueError:
            pass
        resolved = await self._resolve(name)
        return host_addresses(name, lambda _h: resolved)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.vetted(host):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not upstreams")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a ``GuardedBackend``."""

    def __init__(
        self, *, limits: httpx.Limits, backend: GuardedBackend | None = None, verify: bool = True
    ) -> None:
        super().__init__(limits=limits, verify=verify)
        # The same pool httpx builds, but on the guarded backend (httpx has no switch for it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend or GuardedBackend(),
        )
