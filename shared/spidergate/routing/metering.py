"""What the router needs from usage accounting (implemented by ``spidergate.usage.ledger``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from spidergate.domain import Principal, ProviderKey
from spidergate.usage.record import RequestRecord

if TYPE_CHECKING:
    from spidergate.usage.admission import Admission


class KeyCapReached(Exception):
    """The chosen key is at its monthly cap or free-tier quota: the router skips it."""

    def __init__(self, key_id: str, reason: str = "cap") -> None:
        super().__init__(f"key {key_id} reached its {reason}")
        self.key_id = key_id
        self.reason = reason


class Metering(Protocol):
    async def admit(
        self,
        principal: Principal,
        request_id: str,
        *,
        key: ProviderKey,
        worst_cost: Decimal,
        token_estimate: int,
    ) -> Admission: ...

    async def switch(self, admission: Admission, *, key: ProviderKey, worst_cost: Decimal) -> None: ...

    async def settle(self, admission: Admission | None, record: RequestRecord) -> None: ...

    def headers(self, admission: Admission) -> dict[str, str]: ...
