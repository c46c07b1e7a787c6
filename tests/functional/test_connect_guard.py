"""Issue 12 #2: the address actually connected to is checked at connect time (DNS rebinding).

A base URL that passed the vault's check later resolves to loopback: the deployed transport
refuses to connect, and the loopback server sees nothing. Names resolve through an injected
resolver (there is no external DNS here).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import httpcore
import httpx
import pytest

from spidergate.catalog.model import ModelInfo, Prices
from spidergate.domain import ProviderKey
from spidergate.providers.base import ProviderDef, Target, UpstreamError
from spidergate.providers.openai_compat import OpenAICompatAdapter
from spidergate.routing.classify import Action, classify
from spidergate.vault.connect_guard import BlockedAddress, GuardedBackend, GuardedTransport
from spidergate.vault.urls import check_base_url

LIMITS = httpx.Limits(max_connections=4)


class Loopback:
    """A loopback HTTP server that answers every request with a chat completion and counts them."""

    def __init__(self) -> None:
        self.hits = 0
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hits += 1
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"choices":[{"index":0,"message":{"role":"assistant","content":"from loopback"}}]}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def loopback() -> AsyncIterator[Loopback]:
    server = Loopback()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server


def resolving(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str) -> Sequence[str]:
        if host not in table:
            raise OSError(f"{host}: Name or service not known")
        return table[host]

    return resolve


def target(base_url: str) -> Target:
    model = ModelInfo(
        id="openai/m",
        provider="openai",
        model="m",
        mode="chat",
        prices=Prices(input=Decimal(0), output=Decimal(0)),
    )
    provider = ProviderDef(name="openai", display_name="OpenAI", wire="openai")
    key = ProviderKey(
        brand_id="b",
        key_id="pk1",
        provider="openai",
        label="l",
        masked="sk…",
        secret_name="s",
        base_url=base_url,
    )
    return Target(model=model, provider=provider, key=key, api_key="sk-test-material-1234")


async def test_rebound_name_is_refused_at_connect_time(loopback: Loopback) -> None:
    url = f"http://rebind.test:{loopback.port}/v1"
    # When the key was added the name was public ...
    assert check_base_url(url, allow_private=False, resolver=lambda _h: ["93.184.216.34"]) == url
    # ... by request time it points at loopback.
    backend = GuardedBackend(resolver=resolving({"rebind.test": ["127.0.0.1"]}))
    async with httpx.AsyncClient(transport=GuardedTransport(limits=LIMITS, backend=backend)) as http:
        adapter = OpenAICompatAdapter(http)
        with pytest.raises(UpstreamError) as caught:
            await adapter.chat(target(url), {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert caught.value.kind == "connection" and "non-public" in caught.value.message
    assert classify(caught.value, "openai").action is Action.NEXT_KEY  # no key state changes
    assert loopback.hits == 0


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "localhost.",
        "2130706433",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "unknown.test",
    ],
)
async def test_literal_and_unresolvable_private_hosts_are_refused(loopback: Loopback, host: str) -> None:
    backend = GuardedBackend(resolver=resolving({}))
    async with httpx.AsyncClient(transport=GuardedTransport(limits=LIMITS, backend=backend)) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://{host}:{loopback.port}/v1/models")
    assert loopback.hits == 0


class RecordingStream(httpcore.AsyncMockStream):
    def __init__(self, log: dict[str, Any]) -> None:
        super().__init__([b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"])
        self.log = log

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
    ) -> httpcore.AsyncNetworkStream:
        self.log["sni"] = server_hostname
        return self

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 (httpcore's signature)
        self.log.setdefault("sent", b"")
        self.log["sent"] += buffer


class RecordingBackend(httpcore.AsyncMockBackend):
    def __init__(self, log: dict[str, Any]) -> None:
        super().__init__([])
        self.log = log

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.log["connected"] = (host, port)
        return RecordingStream(self.log)


async def test_public_name_connects_to_the_vetted_ip_with_sni_and_host_kept() -> None:
    log: dict[str, Any] = {}
    backend = GuardedBackend(
        RecordingBackend(log), resolver=resolving({"api.provider.test": ["93.184.216.34"]})
    )
    async with httpx.AsyncClient(transport=GuardedTransport(limits=LIMITS, backend=backend)) as http:
        response = await http.get("https://api.provider.test/v1/models")
    assert response.status_code == 200
    assert log["connected"] == ("93.184.216.34", 443)
    assert log["sni"] == "api.provider.test"
    assert b"host: api.provider.test" in log["sent"].lower()


async def test_vetting_fails_closed() -> None:
    async def broken(_host: str) -> Sequence[str]:
        raise OSError("resolver down")

    with pytest.raises(BlockedAddress):
        await GuardedBackend(resolver=broken).vetted("api.provider.test")
    with pytest.raises(BlockedAddress):
        await GuardedBackend(resolver=resolving({"a.test": []})).vetted("a.test")
    with pytest.raises(BlockedAddress):
        await GuardedBackend(resolver=resolving({"a.test": ["93.184.216.34", "10.1.2.3"]})).vetted("a.test")


async def test_deployed_runtime_guards_upstream_connections_and_local_runs_do_not(loopback: Loopback) -> None:
    from spidergate.aws import AwsClients
    from spidergate.runtime import Runtime
    from spidergate.settings import Settings

    deployed = Settings(allow_private_base_urls=False)
    rt = Runtime(settings=deployed, aws=AwsClients(deployed))
    with pytest.raises(httpx.ConnectError):
        await rt.http.get(f"http://127.0.0.1:{loopback.port}/v1/models")
    assert loopback.hits == 0
    await rt.http.aclose()
    local = Settings(allow_private_base_urls=True)
    rt = Runtime(settings=local, aws=AwsClients(local))
    assert (await rt.http.get(f"http://127.0.0.1:{loopback.port}/v1/models")).status_code == 200
    await rt.http.aclose()
