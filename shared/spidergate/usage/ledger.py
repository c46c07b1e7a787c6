"""The usage ledger: limits, budgets and key caps checked and reserved before the upstream call,
the request recorded and its holds settled after; every write a single item, issued concurrently.

    adm = await ledger.admit(principal, request_id, key=key, worst_cost=wc, token_estimate=n)
    ...  # KeyCapReached: call admit again with the next key (the failed call took nothing)
    await ledger.switch(adm, key=other_key, worst_cost=wc2)  # a fallback after admission
    headers = ledger.headers(adm)
    await ledger.settle(adm, record)  # always, served or failed, before the response ends

An agent with no limits and no budgets, on a key without caps, is admitted with no DynamoDB
call at all and settled with one conditional put of its record. Otherwise admission and settle
each cost one round trip of wall time (a late settle, after the sweep refunded, one more).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from spidergate.domain import Principal, ProviderKey
from spidergate.dynamo import from_item
from spidergate.errors import GatewayError, QuotaExceeded, RateLimited
from spidergate.routing.metering import KeyCapReached
from spidergate.settings import Settings
from spidergate.usage import sliding
from spidergate.usage.admission import Admission, Check, plan_admission, reservation_check
from spidergate.usage.guards import WindowGuard
from spidergate.usage.ratelimit_headers import ratelimit_headers
from spidergate.usage.record import RequestRecord
from spidergate.usage.settle import plan_settle
from spidergate.usage.sliding import Window
from spidergate.usage.spill import RecordSpill
from spidergate.usage.switch import plan_switch
from spidergate.usage.writes import LedgerContention, Result, WriteClient, apply_all

__all__ = ["Admission", "KeyCapReached", "Ledger", "LedgerContention", "RecordNotWritten"]

ADMIT_ATTEMPTS = 3
SETTLE_ATTEMPTS = 6
_OPEN_MEMORY = 10_000
log = logging.getLogger(__name__)


class RecordNotWritten(Exception):
    """The request record could not be written after every retry (``record`` says what it was)."""

    def __init__(self, record: RequestRecord, cause: BaseException) -> None:
        super().__init__(f"request record {record.request_id} not written: {cause}")
        self.record = record


class Ledger:
    """Usage-table accounting for the router over an async DynamoDB client."""

    def __init__(
        self,
        ddb: WriteClient,
        table: str,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        spill: RecordSpill | None = None,
    ) -> None:
        self.ddb = ddb
        self.spill = spill  # where a record goes that cannot be written
        self.table = table
        self.settings = settings
        self.clock = clock
        # request id -> its admission until settled: settle finds it even when the caller lost it
        # (an unexpected exception between admission and the end of the request).
        self._open: dict[str, Admission] = {}

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
        results = await self._claim(checks, adm, now)
        self._note_window(adm, checks, results)
        if adm.reservation_open:
            while len(self._open) >= _OPEN_MEMORY:  # settle always pops; this only bounds a leak
                self._open.pop(next(iter(self._open)))
            self._open[request_id] = adm
        return adm

    async def switch(self, admission: Admission, *, key: ProviderKey, worst_cost: Decimal) -> None:
        """Move an admitted request to ``key`` (a fallback), topping up a dearer worst case.

        No round trip when neither key is capped and the worst case does not grow. On refusal
        (KeyCapReached, QuotaExceeded...) the admission is unchanged and still valid.
        """
        now = self.clock()
        plan = plan_switch(self.table, admission, key=key, worst_cost=worst_cost, now=now)
        if plan.claim:
            await self._claim(plan.claim, admission, now)
        if plan.then:
            results = await apply_all(self.ddb, [c.entry for c in plan.then], attempts=ADMIT_ATTEMPTS)
            admission.round_trips += 1
            for result in results:
                if isinstance(result, BaseException) or not result.ok:
                    log.warning(
                        "ledger switch write not applied: %s",
                        result,
                        extra={"request_id": admission.request_id},
                    )
        for f in dataclasses.fields(Admission):
            setattr(admission, f.name, getattr(plan.admission, f.name))
        if admission.reservation_open:
            self._open[admission.request_id] = admission

    async def settle(self, admission: Admission | None, record: RequestRecord) -> None:
        """Write ``record`` (once per request id) and settle what the admission holds.

        ``admission`` is ``None`` for a request refused or failed before any admission: it is
        still recorded. A record that cannot be written after every retry is parked on the spill
        queue; RecordNotWritten only if that fails too. The holds are settled either way.
        """
        now = self.clock()
        admission = self._open.pop(record.request_id, None) or admission
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
        results = await apply_all(self.ddb, [c.entry for c in plan.checks], attempts=SETTLE_ATTEMPTS)
        admission.round_trips += 1
        written = results[plan.record_index]
        fresh = isinstance(written, Result) and written.ok
        late = [
            plan.lates[i]
            for i, r in enumerate(results)
            if i in plan.lates and isinstance(r, Result) and not r.ok
        ]
        if fresh and late:
            # The sweep refunded these holds meanwhile: add the actual spend, nothing more.
            await apply_all(self.ddb, late, attempts=SETTLE_ATTEMPTS)
            admission.round_trips += 1
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException) and i != plan.record_index]
        if failed and plan.reservation_index is not None and plan.reservation_index not in failed:
            # A hold could not be released: put the reservation back so the sweep refunds it.
            log.error(
                "ledger could not release holds; left to the sweep", extra={"request_id": record.request_id}
            )
            await apply_all(self.ddb, [reservation_check(self.table, admission, new=True).entry])
        admission.reservation_open = False
        admission.concurrency_held = False
        if isinstance(written, BaseException):
            if self.spill is not None:
                try:
                    await self.spill.park(plan.checks[plan.record_index].entry["Put"]["Item"])
                    return
                except Exception:
                    log.exception("usage record could not be parked", extra={"request_id": record.request_id})
            raise RecordNotWritten(record, written) from written

    def headers(self, admission: Admission) -> dict[str, str]:
        """``x-ratelimit-*`` for the agent's rpm/tpm (none for an agent without them); no I/O."""
        return ratelimit_headers(admission, self.clock())

    # -- internals ------------------------------------------------------------------------
    async def _claim(self, checks: list[Check], adm: Admission, now: float) -> list[Result]:
        """Apply ``checks`` concurrently; if any refuses (or fails), undo the others and raise."""
        results = await apply_all(self.ddb, [c.entry for c in checks], attempts=ADMIT_ATTEMPTS)
        adm.round_trips += 1
        if all(isinstance(r, Result) and r.ok for r in results):
            return [r for r in results if isinstance(r, Result)]
        undo = [
            c.undo for c, r in zip(checks, results, strict=True) if isinstance(r, Result) and r.ok and c.undo
        ]
        if undo:
            undone = await apply_all(self.ddb, undo, attempts=ADMIT_ATTEMPTS)
            adm.round_trips += 1
            if any(isinstance(u, BaseException) for u in undone):
                log.error("ledger could not undo a refused admission", extra={"request_id": adm.request_id})
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors and not any(isinstance(r, Result) and not r.ok for r in results):
            if all(isinstance(e, LedgerContention) for e in errors):
                raise RateLimited(
                    f"Too many simultaneous requests for agent {adm.agent_id}. Retry after 1s.",
                    retry_after=1.0,
                ) from errors[0]
            raise errors[0]
        error = self._refusal(checks, results, now)
        if isinstance(error, RateLimited) and (adm.rpm is not None or adm.tpm is not None):
            error.headers.update(self._refused_headers(adm, checks, results, now))
        raise error

    def _refused_headers(
        self, adm: Admission, checks: list[Check], results: list[Result | BaseException], now: float
    ) -> dict[str, str]:
        """The x-ratelimit-* headers of a refusal: the window as it stood (this request not counted)."""
        for k, (check, result) in enumerate(zip(checks, results, strict=True)):
            if isinstance(check.guard, WindowGuard) and isinstance(result, Result):
                if result.ok:  # another write refused: this one counted the request, then was undone
                    requests, tokens = _windows_after(check.guard, result, results[k + 1], now)
                    j = sliding.bucket(now)
                    requests = Window(
                        requests.start,
                        tuple(max(0, n - 1) for n in requests.this_minute),
                        tuple(max(0, n - (1 if i <= j else 0)) for i, n in enumerate(requests.next_minute)),
                    )
                else:
                    requests, tokens = check.guard.windows(result.old, _carried(results[k + 1]), now)
                adm.request_window, adm.token_window = requests, tokens
                adm.requests_used, adm.tokens_used = requests.count_at(now), tokens.count_at(now)
        return ratelimit_headers(adm, now)

    def _refusal(self, checks: list[Check], results: list[Result | BaseException], now: float) -> Exception:
        """The refusal to raise for the failed conditions: a spent budget outranks a rate limit,
        which outranks a key cap (another key would not get past the first two)."""
        found: list[tuple[int, Exception]] = []
        for k, (check, result) in enumerate(zip(checks, results, strict=True)):
            if not isinstance(result, Result) or result.ok or check.guard is None:
                continue
            if isinstance(check.guard, WindowGuard):
                windows = check.guard.windows(result.old, _carried(results[k + 1]), now)
                error: Exception = check.guard.refused(*windows, now)
            else:
                error = check.guard.refusal(result.old, now)
            found.append((_rank(error), error))
        if not found:
            return RuntimeError("ledger write refused without a known cause")
        return min(found, key=lambda pair: pair[0])[1]

    def _note_window(self, adm: Admission, checks: list[Check], results: list[Result]) -> None:
        for k, check in enumerate(checks):
            if isinstance(check.guard, WindowGuard):
                requests, tokens = _windows_after(check.guard, results[k], results[k + 1], adm.admitted_at)
                adm.request_window, adm.token_window = requests, tokens
                adm.requests_used = requests.count_at(adm.admitted_at)
                adm.tokens_used = tokens.count_at(adm.admitted_at)
                adm.counts_exact = results[k].attributes is not None


def _carried(result: Result | BaseException) -> dict[str, Any] | None:
    """The next minute's item after this request's carry (None when that write failed)."""
    return result.attributes if isinstance(result, Result) and result.ok else None


def _windows_after(
    guard: WindowGuard, counted: Result, carry: Result | BaseException, now: float
) -> tuple[Window, Window]:
    """The request and token windows after an admission counted (this request included)."""
    this = from_item(counted.attributes or {})
    ahead = from_item(_carried(carry) or {})
    out = []
    for prefix in (sliding.REQUESTS, sliding.TOKENS):
        here = sliding.counters(prefix, this)
        nxt = sliding.counters(prefix, ahead) if _carried(carry) is not None else here
        out.append(Window(guard.start, here, nxt))
    return out[0], out[1]


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
