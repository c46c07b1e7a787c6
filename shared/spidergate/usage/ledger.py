"""The usage ledger: limits, budgets and key caps checked and reserved in one round trip before
the upstream call, settled and recorded in one round trip after.

    adm = await ledger.admit(principal, request_id, key=key, worst_cost=wc, token_estimate=n)
    ...  # KeyCapReached: call admit again with the next key (the failed call took nothing)
    await ledger.switch(adm, key=other_key, worst_cost=wc2)  # a fallback after admission
    headers = ledger.headers(adm)
    await ledger.settle(adm, record)  # always, served or failed, before the response ends

An agent with no limits and no budgets, on a key without caps, is admitted with no DynamoDB
call at all; settle is always one call (two only if the sweep refunded the request meanwhile).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from spidergate.domain import Principal, ProviderKey
from spidergate.dynamo import from_item
from spidergate.errors import GatewayError, QuotaExceeded, RateLimited
from spidergate.routing.metering import KeyCapReached
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.admission import Admission, Check, plan_admission
from spidergate.usage.guards import WindowGuard
from spidergate.usage.ratelimit_headers import ratelimit_headers
from spidergate.usage.record import RequestRecord
from spidergate.usage.settle import plan_settle
from spidergate.usage.switch import plan_switch
from spidergate.usage.transact import LedgerContention, Outcome, write

__all__ = ["Admission", "KeyCapReached", "Ledger", "LedgerContention"]

ADMIT_ATTEMPTS = 4
SETTLE_ATTEMPTS = 8
_WINDOW_MEMORY = 4096


class Ledger:
    """Usage-table accounting for the router. ``ddb`` is a low-level boto3 DynamoDB client."""

    def __init__(
        self, ddb: Any, table: str, settings: Settings, clock: Callable[[], float] = time.time
    ) -> None:
        self.ddb = ddb
        self.table = table
        self.settings = settings
        self.clock = clock
        # agent -> (window sk, requests, tokens): this container's view, for the headers only.
        self._windows: dict[str, tuple[str, int, int]] = {}

    async def admit(
        self,
        principal: Principal,
        request_id: str,
        *,
        key: ProviderKey,
        worst_cost: Decimal,
        token_estimate: int,
    ) -> Admission:
        """Check the agent's limits and budgets and ``key``'s caps, and reserve ``worst_cost``.

        Raises RateLimited, QuotaExceeded, or KeyCapReached (retry with the next key: the
        failed call took nothing).
        """
        now = self.clock()
        adm, checks = plan_admission(
            self.table,
            principal,
            request_id,
            key=key,
            worst_cost=worst_cost,
            token_estimate=token_estimate,
            now=now,
        )
        if not checks:
            return adm
        outcome = await self._write(checks, ADMIT_ATTEMPTS, agent_id=principal.agent_id)
        adm.round_trips += outcome.calls
        if not outcome.ok:
            raise self._refusal(checks, outcome, now)
        self._note_window(adm, outcome)
        return adm

    async def switch(self, admission: Admission, *, key: ProviderKey, worst_cost: Decimal) -> None:
        """Move an admitted request to ``key`` (a fallback), topping up a dearer worst case.

        No round trip when neither key is capped and the worst case does not grow. On refusal
        (KeyCapReached, QuotaExceeded...) the admission is unchanged and still valid.
        """
        now = self.clock()
        new, checks = plan_switch(self.table, admission, key=key, worst_cost=worst_cost, now=now)
        if checks:
            outcome = await self._write(checks, ADMIT_ATTEMPTS, agent_id=admission.agent_id)
            admission.round_trips += outcome.calls
            if not outcome.ok:
                raise self._refusal(checks, outcome, now)
        for f in dataclasses.fields(Admission):
            setattr(admission, f.name, getattr(new, f.name))

    async def settle(self, admission: Admission | None, record: RequestRecord) -> None:
        """Refund the unused reservation, add the actual spend and tokens, release concurrency,
        write ``record`` and the aggregates: one transaction, counted once per request id.

        ``admission`` is ``None`` for a request refused or failed before any admission: it is
        still recorded (and counted in the aggregates).

        Raises LedgerContention (or a botocore error) if the write cannot be made: log it with
        the request id; the sweep refunds the reservation, the actual spend is then missing.
        """
        now = self.clock()
        if admission is None:
            admission = Admission(
                request_id=record.request_id,
                brand_id=record.brand_id,
                agent_id=record.agent_id,
                admitted_at=record.started_at,
                key_id=record.key_id,
            )
        ttl_days = self.settings.usage_record_ttl_days
        plan = plan_settle(self.table, admission, record, now=now, ttl_days=ttl_days)
        outcome = await self._write(plan.checks, SETTLE_ATTEMPTS)
        admission.round_trips += outcome.calls
        if not outcome.ok and plan.record_index not in outcome.failures:
            # Only the reservation was gone: the sweep refunded it. Record the spend, nothing more.
            late = plan_settle(self.table, admission, record, now=now, ttl_days=ttl_days, late=True)
            outcome = await self._write(late.checks, SETTLE_ATTEMPTS)
            admission.round_trips += outcome.calls
        admission.reservation_open = False
        admission.concurrency_held = False
        if outcome.ok and record.usage.total_tokens:
            self._add_tokens(
                admission.agent_id, keys.window_key(admission.agent_id, now)[1], record.usage.total_tokens
            )

    def headers(self, admission: Admission) -> dict[str, str]:
        """``x-ratelimit-*`` for the agent's rpm/tpm (none for an agent without them); no I/O."""
        return ratelimit_headers(admission, self.clock())

    # -- internals ------------------------------------------------------------------------
    async def _write(self, checks: list[Check], attempts: int, agent_id: str | None = None) -> Outcome:
        try:
            return await write(self.ddb, [c.entry for c in checks], attempts=attempts)
        except LedgerContention:
            if agent_id is None:
                raise
            raise RateLimited(
                f"Too many simultaneous requests for agent {agent_id}. Retry after 1s.", retry_after=1.0
            ) from None

    def _refusal(self, checks: list[Check], outcome: Outcome, now: float) -> Exception:
        """The refusal to raise for the failed conditions: a spent budget outranks a rate limit,
        which outranks a key cap (another key would not get past the first two)."""
        found: list[tuple[int, Exception]] = []
        for index, old in outcome.failures.items():
            guard = checks[index].guard if index < len(checks) else None
            if guard is None:
                continue
            error = guard.refusal(old, now)
            if isinstance(guard, WindowGuard) and old:
                values = from_item(old)
                self._remember(
                    guard.agent_id, old_sk(old), int(values.get("requests", 0)), int(values.get("tokens", 0))
                )
            found.append((_rank(error), error))
        if not found:
            return RuntimeError(f"ledger transaction cancelled without a known cause: {outcome.failures}")
        return min(found, key=lambda pair: pair[0])[1]

    def _note_window(self, adm: Admission, outcome: Outcome) -> None:
        if adm.rpm is None and adm.tpm is None:
            return
        sk = keys.window_key(adm.agent_id, adm.admitted_at)[1]
        if outcome.attributes is not None and "requests" in outcome.attributes:
            values = from_item(outcome.attributes)
            adm.requests_used = int(values["requests"])
            adm.tokens_used = int(values.get("tokens", 0))
            adm.counts_exact = True
        else:
            seen = self._windows.get(adm.agent_id)
            same = seen is not None and seen[0] == sk
            adm.requests_used = (seen[1] if same and seen else 0) + 1
            adm.tokens_used = seen[2] if same and seen else 0
        self._remember(adm.agent_id, sk, adm.requests_used, adm.tokens_used)

    def _remember(self, agent_id: str, sk: str, requests: int, tokens: int) -> None:
        if len(self._windows) >= _WINDOW_MEMORY:
            self._windows.clear()
        seen = self._windows.get(agent_id)
        if seen is not None and seen[0] == sk:
            requests, tokens = max(requests, seen[1]), max(tokens, seen[2])
        self._windows[agent_id] = (sk, requests, tokens)

    def _add_tokens(self, agent_id: str, sk: str, tokens: int) -> None:
        seen = self._windows.get(agent_id)
        if seen is not None and seen[0] == sk:
            self._windows[agent_id] = (sk, seen[1], seen[2] + tokens)


def old_sk(item: dict[str, Any]) -> str:
    return str(item.get("sk", {}).get("S", ""))


def _rank(error: Exception) -> int:
    if isinstance(error, QuotaExceeded):
        return 0
    if isinstance(error, KeyCapReached):
        return 3
    if isinstance(error, RateLimited):
        return 2
    if isinstance(error, GatewayError):
        return 1
    return 4
