"""Issue 12 #8 / 16 #4: a model-level 404 from one key rotates to the provider's other key, benches
the (key, model) pair on the vault table, and the dashboard's vault listing shows it."""

from __future__ import annotations

from tests.functional.dashboard.harness import Stack

MODEL_ID = "openai/gpt-4o-mini"


async def fault(stack: Stack, api_key: str, status: int, times: int = 1) -> None:
    r = await stack.rt.http.post(
        "http://sandbox.test/_control/faults",
        json={"match": {"api_key": api_key}, "times": times, "fault": {"status": status}},
    )
    assert r.status_code < 300, r.text


async def test_model_404_on_one_key_is_benched_per_model_and_listed(stack: Stack) -> None:
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    wrong = await stack.add_key("sk-sandbox-key-000404", label="wrong-url", priority=1)
    good = await stack.add_key("sk-sandbox-key-000200", label="good", priority=1)
    await fault(stack, "sk-sandbox-key-000404", 404, times=-1)
    for _ in range(3):
        served = await stack.chat(bearer)
        assert served.status_code == 200, served.text  # never a 503: the other key serves
    listing = {
        k["key_id"]: k for k in (await stack.call("alice", "GET", "brd_a", "/vault/keys")).json()["data"]
    }
    benched = listing[wrong["key_id"]]
    assert benched["status"] == "healthy"  # the key itself is not disabled or cooled
    assert [(b["model"], b["reason"]) for b in benched["model_cooldowns"]] == [(MODEL_ID, "model_not_found")]
    assert listing[good["key_id"]]["model_cooldowns"] == []
    stored = stack.rt.keyvault.get("brd_a", wrong["key_id"])
    assert stored.status == "active" and MODEL_ID in stored.model_cooldowns  # on the vault item
    # An operator's enable lifts the per-model benches too.
    r = await stack.call("alice", "POST", "brd_a", f"/vault/keys/{wrong['key_id']}/enable")
    assert r.json()["model_cooldowns"] == []
    assert stack.rt.keyvault.get("brd_a", wrong["key_id"]).model_cooldowns == {}


async def test_an_earlier_bench_never_shortens_a_later_one(stack: Stack) -> None:
    key = stack.rt.keyvault.get("brd_a", (await stack.add_key("sk-sandbox-key-000777"))["key_id"])
    stack.rt.keyvault.cool_model(key, "groq/a", 5_000_000_000.0, "rate_limited")
    stack.rt.keyvault.cool_model(key, "groq/a", 4_000_000_000.0, "rate_limited")  # a slower container
    stack.rt.keyvault.cool_model(key, "groq/b", 4_000_000_000.0, "model_not_found")
    benches = stack.rt.keyvault.get("brd_a", key.key_id).model_cooldowns
    assert {m: (b.until, b.reason) for m, b in benches.items()} == {
        "groq/a": (5_000_000_000.0, "rate_limited"),
        "groq/b": (4_000_000_000.0, "model_not_found"),
    }
