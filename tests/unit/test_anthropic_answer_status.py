"""One status rule for every Anthropic answer (adapter and Messages pass-through): only a 2xx is one."""

from __future__ import annotations

import httpx
import pytest

from spidergate.providers.anthropic_response import message_json, raise_unless_ok
from spidergate.providers.base import UpstreamError


async def test_a_redirect_is_no_answer() -> None:
    response = httpx.Response(302, headers={"location": "https://elsewhere.example"}, content=b"")
    with pytest.raises(UpstreamError) as raised:
        await raise_unless_ok(response)
    assert raised.value.status == 302


async def test_a_2xx_passes_and_a_non_json_body_is_the_routers_error() -> None:
    await raise_unless_ok(httpx.Response(200, json={"type": "message"}))
    with pytest.raises(UpstreamError) as raised:
        message_json(httpx.Response(200, content=b"<html>"))
    assert raised.value.message == "Anthropic sent a non-JSON response"
