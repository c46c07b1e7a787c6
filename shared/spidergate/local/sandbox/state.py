"""What the sandbox remembers: scripted faults and the requests it received."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Kinds that only make sense once a stream has started; they wait for a streaming request.
STREAM_ONLY = frozenset({"cut_after_first_token", "error_event_after_first_token"})
KINDS = frozenset({"timeout", "reset", *STREAM_ONLY})
_MATCH_FIELDS = ("api_key", "model", "path")


class FaultSpecError(ValueError):
    """A fault document the control API cannot accept."""


def key_hash(api_key: str) -> str:
    """How a key shows in recordings: the first 12 hex characters of its SHA-256."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted misbehaviour: an error status, or a ``kind`` of transport trouble."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # None: the provider's own error body for the path
    kind: str | None = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return self.kind or f"status:{self.status}"


@dataclass(slots=True)
class FaultRule:
    """A fault, when it applies (every set ``match`` field equal) and how many more times."""

    rule_id: str
    fault: Fault
    times: int  # -1: always
    api_key: str | None = None
    model: str | None = None
    path: str | None = None

    def matches(self, path: str, api_key: str | None, model: str | None, stream: bool) -> bool:
        if self.fault.kind in STREAM_ONLY and not stream:
            return False
        return (
            (self.path is None or self.path == path)
            and (self.api_key is None or self.api_key == api_key)
            and (self.model is None or self.model == model)
        )

    def describe(self) -> dict[str, Any]:
        match: dict[str, Any] = {"model": self.model, "path": self.path}
        match["key_hash"] = key_hash(self.api_key) if self.api_key is not None else None
        fault: dict[str, Any] = (
            {"kind": self.fault.kind} if self.fault.kind else {"status": self.fault.status}
        )
        if self.fault.kind == "timeout":
            fault["seconds"] = self.fault.seconds
        return {"id": self.rule_id, "match": match, "times": self.times, "fault": fault}


def parse_rule(doc: Any, rule_id: str) -> FaultRule:
    """A ``FaultRule`` from the control API's JSON document, or ``FaultSpecError``."""
    if not isinstance(doc, dict):
        raise FaultSpecError("body must be a JSON object")
    match = doc.get("match") or {}
    if not isinstance(match, dict) or set(match) - set(_MATCH_FIELDS):
        raise FaultSpecError(f"match must be an object with keys among {', '.join(_MATCH_FIELDS)}")
    if any(v is not None and not isinstance(v, str) for v in match.values()):
        raise FaultSpecError("match values must be strings")
    times = doc.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not (times >= 1 or times == -1):
        raise FaultSpecError("times must be a positive integer, or -1 for always")
    return FaultRule(rule_id=rule_id, fault=_parse_fault(doc.get("fault")), times=times, **match)


def _parse_fault(spec: Any) -> Fault:
    if not isinstance(spec, dict):
        raise FaultSpecError("fault must be an object")
    kind = spec.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise FaultSpecError(f"fault.kind must be one of {', '.join(sorted(KINDS))}")
        seconds = spec.get("seconds", 0)
        if kind == "timeout" and (
            not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0
        ):
            raise FaultSpecError("fault.seconds must be a non-negative number")
        # A stream error event may carry the provider's own body (e.g. OpenRouter's chunk with an
        # ``error`` field and ``finish_reason: "error"``); without one, the path's default body.
        body = spec.get("body") if kind == "error_event_after_first_token" else None
        return Fault(kind=kind, seconds=float(seconds) if kind == "timeout" else 0.0, body=body)
    status = spec.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        raise FaultSpecError("fault needs a status (200-599) or a kind")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) for k in headers):
        raise FaultSpecError("fault.headers must be an object")
    return Fault(
        status=status, headers={k.lower(): str(v) for k, v in headers.items()}, body=spec.get("body")
    )


class SandboxState:
    """Faults waiting to fire and requests received, shared by every handler of one sandbox."""

    def __init__(self, max_records: int = 100_000) -> None:
        self.faults: list[FaultRule] = []
        # Bounded so a long benchmark cannot grow the sandbox without limit.
        self.records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._seq = itertools.count(1)
        self._rule_ids = itertools.count(1)
        self._hashes: dict[str, str] = {}

    # -- faults ------------------------------------------------------------------------
    def add_fault(self, doc: Any) -> FaultRule:
        rule = parse_rule(doc, f"flt_{next(self._rule_ids)}")
        self.faults.append(rule)
        return rule

    def clear_faults(self) -> int:
        count = len(self.faults)
        self.faults.clear()
        return count

    def take_fault(self, path: str, api_key: str | None, model: str | None, stream: bool) -> Fault | None:
        """The first rule matching this request, used up by one (no await: atomic on the loop)."""
        for index, rule in enumerate(self.faults):
            if rule.matches(path, api_key, model, stream):
                if rule.times > 0:
                    rule.times -= 1
                    if rule.times == 0:
                        del self.faults[index]
                return rule.fault
        return None

    # -- recorded requests -------------------------------------------------------------
    def key_hash(self, api_key: str | None) -> str | None:
        if api_key is None:
            return None
        found = self._hashes.get(api_key)
        if found is None:
            if len(self._hashes) > 4096:
                self._hashes.clear()
            found = self._hashes[api_key] = key_hash(api_key)
        return found

    def record(
        self, method: str, path: str, api_key: str | None, headers: dict[str, str], payload: dict[str, Any]
    ) -> dict[str, Any]:
        """Remember one request; ``payload`` holds ``body`` (JSON) or ``fields`` (multipart names)."""
        body = payload.get("body")
        parsed = body if isinstance(body, dict) else {}
        fields = payload.get("fields")
        model = parsed.get("model") if parsed else (fields or {}).get("model")
        entry: dict[str, Any] = {
            "seq": next(self._seq),
            "at": time.time(),
            "method": method,
            "path": path,
            "model": model if isinstance(model, str) else None,
            "stream": parsed.get("stream") is True,
            "key_hash": self.key_hash(api_key),
            "headers": headers,
            "fault": None,
        }
        if fields is not None:
            entry["fields"] = sorted(fields)
        else:
            entry["body"] = body
        self.records.append(entry)
        return entry

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.records if path is None or r["path"] == path]

    def clear_requests(self) -> int:
        count = len(self.records)
        self.records.clear()
        return count
