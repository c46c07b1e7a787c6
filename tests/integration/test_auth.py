"""Gateway bearer auth, both formats: every failure is a 401 in the OpenAI error shape."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

pytestmark = pytest.mark.integration

BODY = {"model": "default", "messages": [{"role": "user", "content": "hi"}]}


def post(gateway_url: str, authorization: str | None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization is not None else {}
    return httpx.post(gateway_url + "/chat/completions", json=BODY, headers=headers)


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        (None, "Missing Authorization header"),
        ("Basic dXNlcjpwYXNz", "Bearer scheme"),
        ("Bearer", "token is empty"),
        ("Bearer only-one-part", "colon-separated"),
        ("Bearer a:b", "colon-separated"),
        ("Bearer a::c", "empty"),
        ("Bearer cli_nobody:key_nothing:sgs_wrong", "Incorrect API key"),
        ("Bearer spideriq_pat_doesnotexist", "Incorrect personal access token"),
    ],
)
def test_bad_tokens_are_401_saying_what_is_wrong(gateway, authorization: str | None, says: str) -> None:
    response = post(gateway.url, authorization)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"
    assert says in error["message"]
    assert response.headers["x-request-id"]


def test_wrong_secret_for_a_real_key_is_401(make_tenant) -> None:
    tenant = make_tenant()
    cred = tenant.credential
    response = post(tenant.gateway.url, f"Bearer {cred.client_id}:{cred.api_key}:sgs_not-the-secret")
    assert response.status_code == 401


def test_revoked_agent_credentials_stop_within_the_cache_ttl(make_tenant, admin) -> None:
    tenant = make_tenant()
    client = tenant.client()
    assert client.chat.completions.create(**BODY).choices
    admin.records.revoke_agent(tenant.brand_id, tenant.agent_id)
    time.sleep(1.2)  # the gateway under test runs with SPIDERGATE_AUTH_CACHE_TTL=1
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(**BODY)
    assert caught.value.code == "invalid_api_key"


def test_pat_works_and_revoked_pat_is_401(make_tenant, admin) -> None:
    tenant = make_tenant()
    pat_id, token = admin.records.create_pat(tenant.brand_id, tenant.agent_id, "ci")
    client = openai.OpenAI(base_url=tenant.gateway.url, api_key=token, max_retries=0)
    assert client.chat.completions.create(**BODY).choices
    admin.records.revoke_pat(tenant.brand_id, pat_id)
    time.sleep(1.2)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(**BODY)
