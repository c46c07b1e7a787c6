"""Usage is recorded exactly once per request: served, failed, streamed, cut, or abandoned."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from tests.integration.conftest import Sandbox, records_of, wait_for_records

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "Say hello"}]


def test_served_request_recorded_once_with_exact_usage_and_cost(make_tenant, admin) -> None:
    tenant = make_tenant()
    completion = tenant.client().chat.completions.create(model="default", messages=HELLO)
    (record,) = wait_for_records(admin, tenant.brand_id, 1)
    assert record.request_id.startswith("req_")
    assert record.status == 200 and record.served_model == "openai/gpt-6.1-terra"
    assert completion.usage is not None
    assert record.usage.prompt_tokens == completion.usage.prompt_tokens
    assert record.usage.completion_tokens == completion.usage.completion_tokens
    assert record.cost > 0 and not record.usage.estimated


def test_stream_cut_after_first_token_recorded_once(make_tenant, admin, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    for label in ("openai-1", "openai-2"):
        sandbox.fault({"kind": "cut_after_first_token"}, api_key=tenant.keys[label])
    with pytest.raises(openai.APIError):
        for _ in tenant.client().chat.completions.create(model="default", messages=HELLO, stream=True):
            pass
    time.sleep(0.3)
    records = records_of(admin, tenant.brand_id)
    assert len(records) == 1
    assert records[0].status == 502 and records[0].error_code == "upstream_stream_error"


def test_client_disconnect_mid_stream_recorded_once(make_tenant, admin, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    body = {"model": "openai/gpt-6.1-terra", "messages": HELLO, "stream": True}
    with httpx.stream(
        "POST",
        tenant.gateway.url + "/chat/completions",
        json=body,
        timeout=10,
        headers={"authorization": f"Bearer {tenant.token}"},
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: {"):
                break  # the first chunk arrived: hang up
    wait_for_records(admin, tenant.brand_id, 1)
    time.sleep(0.5)
    records = records_of(admin, tenant.brand_id)
    assert len(records) == 1
    assert records[0].stream


def test_failed_request_recorded_once_without_spend(make_tenant, admin, sandbox: Sandbox) -> None:
    tenant = make_tenant(keys=(("openai-1", "openai", "/v1"),))
    sandbox.fault(
        {
            "status": 400,
            "body": {
                "error": {
                    "message": "bad temperature",
                    "type": "invalid_request_error",
                    "param": "temperature",
                    "code": "invalid_value",
                }
            },
        },
        api_key=tenant.keys["openai-1"],
    )
    with pytest.raises(openai.BadRequestError):
        tenant.client().chat.completions.create(model="openai/gpt-6.1-terra", messages=HELLO)
    (record,) = wait_for_records(admin, tenant.brand_id, 1)
    assert record.status == 400 and record.cost == 0
