"""Upstream usage is untrusted input, and the reservation must bound the prompt from above."""

from __future__ import annotations

from spidergate.providers.base import UpstreamError
from spidergate.routing.classify import Action, classify
from spidergate.usage import estimate
from spidergate.usage.counts import MAX_COUNT, Usage


def test_negative_absurd_and_non_integer_counts_are_not_believed_but_flagged() -> None:
    for bad in (-1_000_000, "abc", 1e60, 2.5, -1e9, True, [1]):
        usage = Usage.from_openai({"prompt_tokens": bad, "completion_tokens": 7})
        assert (usage.prompt_tokens, usage.completion_tokens, usage.estimated) == (0, 7, True), bad


def test_plausible_counts_pass_unflagged() -> None:
    usage = Usage.from_openai(
        {"prompt_tokens": 120, "completion_tokens": 30.0, "prompt_tokens_details": {"cached_tokens": 20}}
    )
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.estimated) == (
        120,
        30,
        20,
        False,
    )


def test_sane_clamps_counts_an_adapter_built_and_keeps_parts_within_their_whole() -> None:
    usage = Usage(
        prompt_tokens=-5, completion_tokens=MAX_COUNT + 1, cached_tokens=50, reasoning_tokens=9
    ).sane()
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.reasoning_tokens) == (
        0,
        0,
        0,
        0,
    )
    assert usage.estimated
    assert not Usage(prompt_tokens=10, completion_tokens=5).sane().estimated


def test_the_prompt_bound_covers_dense_text_the_estimate_undercounts() -> None:
    dense = " ".join("a" for _ in range(10_000))  # ~10,000 tokens, 19,999 characters
    messages = [{"role": "user", "content": dense}]
    assert estimate.prompt_tokens(messages) < 10_000 <= estimate.prompt_bound(messages)
    wide = [{"role": "user", "content": "日本語" * 100}]  # 3 bytes a character
    assert estimate.prompt_bound(wide) >= 900


def test_an_upstream_redirect_is_not_a_success_nor_the_clients_fault() -> None:
    verdict = classify(UpstreamError(302, "http", "Found"), "openai")
    assert verdict.action is Action.NEXT_KEY
