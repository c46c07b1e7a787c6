"""The public catalog over HTTP: the openai SDK's models API, query params, caching, providers, aliases."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

pytestmark = pytest.mark.integration


def test_sdk_models_list_and_retrieve(gateway) -> None:
    client = openai.OpenAI(base_url=gateway.url, api_key="unused-for-public-endpoints", max_retries=0)
    models = list(client.models.list())
    # The whole catalog, as OpenAI's /models answers: the SDK reads one page and stops.
    assert len(models) == httpx.get(gateway.url + "/models", params={"limit": 1}).json()["total"] > 1000
    assert all(m.object == "model" and m.owned_by for m in models)
    one = client.models.retrieve("groq/openai/gpt-oss-20b")
    assert one.id == "groq/openai/gpt-oss-20b"
    info = one.model_extra["spidergate_info"]  # type: ignore[index]
    assert info["provider"] == "groq" and info["context_window"] > 0
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("nobody/nothing")
    assert caught.value.code == "model_not_found"


def test_query_parameters_filter_sort_and_page(gateway) -> None:
    get = lambda **p: httpx.get(gateway.url + "/models", params=p)  # noqa: E731
    page = get(provider="groq", limit=3, offset=0).json()
    assert page["total"] >= 3 and len(page["data"]) == 3
    assert {m["spidergate_info"]["provider"] for m in page["data"]} == {"groq"}
    rest = get(provider="groq", limit=2000, offset=page["total"]).json()
    assert rest["data"] == [] and rest["total"] == page["total"]
    found = get(search="GPT-OSS", limit=2000).json()["data"]
    assert found and all("gpt-oss" in m["id"].lower() for m in found)
    by_context = get(sort_by="context", order="desc", limit=50, capability="chat").json()["data"]
    windows = [m["spidergate_info"]["context_window"] or 0 for m in by_context]
    assert windows == sorted(windows, reverse=True)
    free = get(free_only="true", limit=2000).json()["data"]
    assert free and all(m["spidergate_info"]["free"] for m in free)
    tts = get(capability="tts", limit=2000).json()["data"]
    assert tts and all("tts" in m["spidergate_info"]["capabilities"] for m in tts)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 2001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"capability": "telepathy"}, "capability"),
        ({"sort_by": "vibes"}, "sort_by"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_query_values_are_openai_400s(gateway, params: dict[str, object], param: str) -> None:
    response = httpx.get(gateway.url + "/models", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param


def test_after_cursor_walks_the_pages_and_has_more_ends_it(gateway) -> None:
    seen: list[str] = []
    params: dict[str, object] = {"provider": "groq", "limit": 4}
    while True:
        page = httpx.get(gateway.url + "/models", params=params).json()
        seen.extend(m["id"] for m in page["data"])
        if not page["has_more"]:
            break
        assert page["last_id"] == seen[-1]
        params["after"] = page["last_id"]
    whole = httpx.get(gateway.url + "/models", params={"provider": "groq"}).json()
    assert seen == [m["id"] for m in whole["data"]] and whole["has_more"] is False
    assert len(seen) == whole["total"] > 4


def test_etag_and_304(gateway) -> None:
    first = httpx.get(gateway.url + "/models", params={"limit": 5})
    assert first.headers["cache-control"].startswith("public")
    etag = first.headers["etag"]
    again = httpx.get(gateway.url + "/models", params={"limit": 5}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    other = httpx.get(gateway.url + "/models", params={"limit": 6}, headers={"if-none-match": etag})
    assert other.status_code == 200


def test_providers_public_and_with_bearer_never_show_keys(make_tenant, gateway) -> None:
    public = httpx.get(gateway.url + "/providers").json()["data"]
    assert {"openai", "anthropic", "groq", "bedrock", "azure"} <= {p["id"] for p in public}
    assert all("keys" not in p for p in public)
    tenant = make_tenant()
    mine = httpx.get(gateway.url + "/providers", headers={"authorization": f"Bearer {tenant.token}"})
    by_id = {p["id"]: p for p in mine.json()["data"]}
    assert by_id["openai"]["keys"] == {"active": 2, "cooling": 0, "disabled": 0}
    assert by_id["mistral"]["configured"] is False
    assert mine.headers["cache-control"].startswith("private")
    for material in tenant.keys.values():
        assert material not in mine.text


def test_aliases_list_all_26_with_chains_and_usage(make_tenant, gateway) -> None:
    tenant = make_tenant()
    tenant.client().chat.completions.create(model="default", messages=[{"role": "user", "content": "hi"}])
    # The local stack folds the usage stream about twice a second, as the aggregate function would.
    deadline = time.monotonic() + 5
    while True:
        data = httpx.get(
            gateway.url + "/aliases", headers={"authorization": f"Bearer {tenant.token}"}
        ).json()["data"]
        used = {a["id"]: a for a in data}["default"]["usage_24h"]["requests"]
        if used or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert len(data) == 26
    by_id = {a["id"]: a for a in data}
    assert by_id["default"]["chain"][0] == "openai/gpt-6.1-terra"
    assert by_id["default"]["usage_24h"]["requests"] == 1
    assert by_id["default"]["usage_24h"]["top_model"] == "openai/gpt-6.1-terra"
    public = httpx.get(gateway.url + "/aliases").json()["data"]
    assert len(public) == 26
    assert all(a["usage_24h"] is None for a in public)  # no tenant's traffic without a bearer


def test_health_is_liveness_only(gateway) -> None:
    body = httpx.get(gateway.url + "/health").json()
    assert body["status"] == "healthy" and body["service"] == "spidergate" and body["version"]
