"""``Catalog.query``: every parameter of ``GET /models`` and its edge cases."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from spidergate.catalog import MAX_LIMIT, ModelInfo, ModelQuery, get_catalog
from spidergate.catalog.capabilities import CAPABILITIES
from spidergate.errors import InvalidRequest

CATALOG = get_catalog()


def everything(**fields: Any) -> tuple[int, list[ModelInfo]]:
    return CATALOG.query(ModelQuery(limit=MAX_LIMIT, **fields))


def test_default_query_returns_the_whole_catalog_by_id() -> None:
    # As OpenAI's /models does: the SDKs' models.list() reads one page and never asks for more.
    total, page = CATALOG.query(ModelQuery())
    assert total == len(CATALOG.models) > 1000
    assert page == list(CATALOG.models)


def test_after_continues_from_the_given_model_in_the_listing_order() -> None:
    _, first = CATALOG.query(ModelQuery(limit=3, sort_by="price", order="desc"))
    _, second = CATALOG.query(ModelQuery(limit=3, sort_by="price", order="desc", after=first[-1].id))
    _, both = CATALOG.query(ModelQuery(limit=6, sort_by="price", order="desc"))
    assert first + second == both
    _, last = CATALOG.query(ModelQuery(after=both[-1].id, offset=1, sort_by="price", order="desc"))
    assert last[0] == CATALOG.query(ModelQuery(offset=7, sort_by="price", order="desc"))[1][0]


def test_after_an_id_outside_the_listing_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as caught:
        CATALOG.query(ModelQuery(provider="groq", after="gpt-4o-mini"))
    assert caught.value.param == "after"


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, True])
def test_limit_out_of_range_is_invalid(limit: int) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ModelQuery(limit=limit)
    assert caught.value.param == "limit"
    assert caught.value.status == 400


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_limit_bounds_are_accepted(limit: int) -> None:
    total, page = CATALOG.query(ModelQuery(limit=limit))
    assert len(page) == min(limit, total)


def test_negative_offset_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as caught:
        ModelQuery(offset=-1)
    assert caught.value.param == "offset"


def test_offset_past_the_end_gives_an_empty_page_with_the_total() -> None:
    total, page = CATALOG.query(ModelQuery(offset=len(CATALOG.models) + 5))
    assert (total, page) == (len(CATALOG.models), [])


def test_pages_join_up_to_the_full_list() -> None:
    total, _ = CATALOG.query(ModelQuery(limit=1))
    joined: list[ModelInfo] = []
    for offset in range(0, total, 250):
        joined.extend(CATALOG.query(ModelQuery(limit=250, offset=offset))[1])
    assert joined == list(CATALOG.models)


def test_provider_filter() -> None:
    total, page = everything(provider="anthropic")
    assert page
    assert all(m.provider == "anthropic" for m in page)
    assert total == CATALOG.provider_model_counts()["anthropic"] == len(page)


def test_unknown_provider_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as caught:
        CATALOG.query(ModelQuery(provider="nope"))
    assert caught.value.param == "provider"


def test_free_only() -> None:
    total, page = everything(free_only=True)
    assert page
    assert all(m.free for m in page)
    assert total == sum(1 for m in CATALOG.models if m.free)
    assert total < len(CATALOG.models)


def test_configured_only_keeps_the_configured_providers() -> None:
    total, page = everything(configured_only=True, configured=frozenset({"groq", "mistral"}))
    assert page
    assert {m.provider for m in page} == {"groq", "mistral"}
    counts = CATALOG.provider_model_counts()
    assert total == counts["groq"] + counts["mistral"]
    assert everything(configured_only=True)[0] == 0
    assert everything(configured=frozenset({"groq"}))[0] == len(CATALOG.models)  # only with configured_only


def test_search_is_case_insensitive_on_the_id_and_upstream_name() -> None:
    lower, upper = everything(search="gpt-4o-mini"), everything(search="  GPT-4O-MINI ")
    assert lower == upper
    assert lower[0] > 1
    assert all("gpt-4o-mini" in m.id.lower() for m in lower[1])
    _total, page = everything(search="kimi-k3")
    assert any(m.model == "moonshotai/Kimi-K3" for m in page)  # upstream name in another case
    assert everything(search="no-such-thing-anywhere") == (0, [])


def test_blank_search_matches_everything() -> None:
    assert everything(search="   ")[0] == len(CATALOG.models)


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_capability_filter(capability: str) -> None:
    total, page = everything(capability=capability)
    assert all(capability in m.capabilities for m in page)
    assert total == sum(1 for m in CATALOG.models if capability in m.capabilities)


def test_unknown_capability_is_invalid() -> None:
    with pytest.raises(InvalidRequest) as caught:
        ModelQuery(capability="teleport")
    assert caught.value.param == "capability"
    assert "teleport" in caught.value.message


@pytest.mark.parametrize(("field", "value"), [("sort_by", "size"), ("order", "up")])
def test_unknown_sort_or_order_is_invalid(field: str, value: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ModelQuery(**{field: value})
    assert caught.value.param == field


def _sort_key(model: ModelInfo, sort_by: str) -> Any:
    return {
        "id": model.id,
        "price": model.prices.input,
        "provider": model.provider,
        "context": model.context_window,
    }[sort_by]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", ["id", "price", "provider", "context"])
def test_sort_orders(sort_by: str, order: str) -> None:
    total, page = everything(sort_by=sort_by, order=order)
    assert total == len(page) == len(CATALOG.models)
    assert {m.id for m in page} == {m.id for m in CATALOG.models}
    for before, after in itertools.pairwise(page):
        a, b = _sort_key(before, sort_by), _sort_key(after, sort_by)
        if sort_by == "context" and (a is None or b is None):
            assert b is None, "models without a known window come last"
            continue
        assert (a <= b) if order == "asc" else (a >= b)
        if a == b:
            assert before.id < after.id, "ties break by id, ascending"


def test_filters_combine() -> None:
    total, page = everything(provider="openai", capability="vision", search="gpt-5", sort_by="price")
    assert page
    assert all(m.provider == "openai" and m.supports("vision") and "gpt-5" in m.id for m in page)
    assert total == len(page)
    assert [m.prices.input for m in page] == sorted(m.prices.input for m in page)
