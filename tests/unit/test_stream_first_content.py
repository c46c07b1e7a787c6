"""Which SSE chunks count as the first content byte (after it, no more fallback)."""

from __future__ import annotations

import pytest

from spidergate.serve.chat import _CONTENT


@pytest.mark.parametrize(
    "chunk",
    [
        b'{"choices":[{"delta":{"content":"Hi"}}]}',
        b'{"choices":[{"delta":{"reasoning_content":"think"}}]}',
        b'{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}',
        b'{"choices":[{"delta":{"function_call":{"name":"f","arguments":""}}}]}',
        b'{"choices":[{"delta":{},"finish_reason":"stop"}]}',
    ],
)
def test_content_bearing_chunks_commit_the_stream(chunk: bytes) -> None:
    assert _CONTENT.search(chunk)


@pytest.mark.parametrize(
    "chunk",
    [
        b'{"choices":[{"delta":{"role":"assistant","content":""}}]}',
        b'{"choices":[{"delta":{"role":"assistant"},"finish_reason":null}]}',
    ],
)
def test_role_only_chunks_do_not(chunk: bytes) -> None:
    assert not _CONTENT.search(chunk)
