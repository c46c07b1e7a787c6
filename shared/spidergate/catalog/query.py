"""``GET /models`` filtering, sorting and paging over precomputed orderings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from spidergate.catalog.capabilities import CAPABILITIES
from spidergate.catalog.model import ModelInfo
from spidergate.errors import InvalidRequest

MAX_LIMIT = 2000
SORT_KEYS = ("id", "price", "context", "provider")
ORDERS = ("asc", "desc")


@dataclass(frozen=True, slots=True)
class ModelQuery:
    """A validated models query; constructing one with a bad value raises ``InvalidRequest``.

    ``sort_by``: ``id``, ``price`` (input price per token), ``context`` (models without a known
    window last in either order) or ``provider``; ties break by id, ascending. ``configured`` is the
    set of providers the caller has keys for (used by ``configured_only``). ``search`` matches
    case-insensitively anywhere in the id (which contains the upstream name).

    Paging: by default every match is returned (as OpenAI's own ``/models`` does; the SDKs'
    ``models.list()`` reads one page and stops). ``limit`` caps the page, ``after`` (a model id, the
    ``last_id`` of the previous page) starts after that model in this ordering, ``offset`` then
    skips that many more.
    """

    provider: str | None = None
    free_only: bool = False
    configured_only: bool = False
    configured: frozenset[str] = frozenset()
    search: str | None = None
    capability: str | None = None
    sort_by: str = "id"
    order: str = "asc"
    limit: int | None = None
    offset: int = 0
    after: str | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and (not _is_int(self.limit) or not 1 <= self.limit <= MAX_LIMIT):
            raise InvalidRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.", param="limit")
        if not _is_int(self.offset) or self.offset < 0:
            raise InvalidRequest("offset must be an integer of 0 or more.", param="offset")
        if self.sort_by not in SORT_KEYS:
            raise InvalidRequest(f"sort_by must be one of {', '.join(SORT_KEYS)}.", param="sort_by")
        if self.order not in ORDERS:
            raise InvalidRequest("order must be asc or desc.", param="order")
        if self.capability is not None and self.capability not in CAPABILITIES:
            known = ", ".join(sorted(CAPABILITIES))
            raise InvalidRequest(
                f"Unknown capability `{self.capability}`; use one of {known}.", param="capability"
            )
        if self.search is not None:
            # Normalised once here so the scan compares plain lowercase strings.
            object.__setattr__(self, "search", self.search.strip().lower() or None)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class QueryIndex:
    """Per-model search keys and every sort order, built once per catalog."""

    def __init__(self, models: Sequence[ModelInfo]) -> None:
        self.models = tuple(models)
        self._search_keys = tuple(m.id.lower() for m in self.models)
        self._free = tuple(m.free for m in self.models)
        by_id = sorted(range(len(self.models)), key=lambda i: self.models[i].id)
        self._orders: dict[tuple[str, str], tuple[int, ...]] = {}
        keys: dict[str, Callable[[int], Any]] = {
            "id": lambda i: self.models[i].id,
            "price": lambda i: self.models[i].prices.input,
            "provider": lambda i: self.models[i].provider,
        }
        for sort_by, key in keys.items():
            # Stable sorts over the id order keep ties ascending by id in both directions.
            self._orders[(sort_by, "asc")] = tuple(sorted(by_id, key=key))
            self._orders[(sort_by, "desc")] = tuple(sorted(by_id, key=key, reverse=True))

        def window(i: int) -> int:
            return self.models[i].context_window or 0

        known = [i for i in by_id if self.models[i].context_window is not None]
        unknown = tuple(i for i in by_id if self.models[i].context_window is None)
        self._orders[("context", "asc")] = tuple(sorted(known, key=window)) + unknown
        self._orders[("context", "desc")] = tuple(sorted(known, key=window, reverse=True)) + unknown

    def run(self, query: ModelQuery) -> tuple[int, list[ModelInfo]]:
        """(number of matches, the requested page of them)."""
        matches = [i for i in self._orders[(query.sort_by, query.order)] if self._matches(i, query)]
        start = query.offset
        if query.after is not None:
            position = next((n for n, i in enumerate(matches) if self.models[i].id == query.after), None)
            if position is None:
                raise InvalidRequest(
                    f"after `{query.after}` is not a model of this listing; pass the last_id of the "
                    "previous page with the same filters.",
                    param="after",
                )
            start += position + 1
        end = None if query.limit is None else start + query.limit
        return len(matches), [self.models[i] for i in matches[start:end]]

    def _matches(self, i: int, query: ModelQuery) -> bool:
        model = self.models[i]
        if query.provider is not None and model.provider != query.provider:
            return False
        if query.free_only and not self._free[i]:
            return False
        if query.configured_only and model.provider not in query.configured:
            return False
        if query.capability is not None and query.capability not in model.capabilities:
            return False
        return query.search is None or query.search in self._search_keys[i]
