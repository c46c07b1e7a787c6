"""Shapes shared by the dashboard's wire models: list pages and money amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, PlainSerializer

T = TypeVar("T")

# Money leaves as a JSON number (USD); it is kept as Decimal everywhere inside.
Usd = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
MAX_PAGE = 200


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool = False
    next_cursor: str | None = None

    @classmethod
    def of(cls, data: list[T], cursor: str | None) -> Page[T]:
        return cls(data=data, has_more=cursor is not None, next_cursor=cursor)
