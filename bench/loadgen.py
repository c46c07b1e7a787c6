"""A lean HTTP/1.1 load generator on raw asyncio streams (keep-alive, Content-Length or chunked).

The client must cost far less than the servers it measures on a 2-core box, so it pre-builds
request bytes and parses only what it needs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Result:
    status: int
    first_byte: float  # seconds from send to the first body byte carrying content
    total: float


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    async def request(self, raw: bytes, marker: bytes | None = None) -> Result:
        """Send ``raw``; ``first_byte`` is when ``marker`` (or the first body byte) arrived."""
        assert self.reader is not None and self.writer is not None
        start = time.perf_counter()
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        first = 0.0
        if b"transfer-encoding: chunked" in lower:
            seen = b""
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                data = await self.reader.readexactly(size + 2)
                if not first and (marker is None or marker in seen + data):
                    first = time.perf_counter() - start
                seen = data[-64:]
        else:
            i = lower.find(b"content-length:")
            length = int(lower[i + 15 : lower.find(b"\r\n", i)]) if i >= 0 else 0
            if length:
                await self.reader.readexactly(length)
            first = time.perf_counter() - start
        return Result(status, first, time.perf_counter() - start)


def build_request(url: str, body: bytes, headers: dict[str, str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def sequential(
    url: str, body: bytes, headers: dict[str, str], n: int, marker: bytes | None = None
) -> list[Result]:
    host, port, raw = build_request(url, body, headers)
    conn = Connection(host, port)
    await conn.open()
    try:
        return [await conn.request(raw, marker) for _ in range(n)]
    finally:
        await conn.close()


async def throughput(
    url: str, body: bytes, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[int, int, float]:
    """(ok responses, other responses, elapsed) with ``concurrency`` keep-alive connections."""
    host, port, raw = build_request(url, body, headers)
    ok = bad = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal ok, bad
        conn = Connection(host, port)
        await conn.open()
        try:
            while time.perf_counter() < stop:
                result = await conn.request(raw)
                if result.status == 200:
                    ok += 1
                else:
                    bad += 1
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, bad, time.perf_counter() - started
