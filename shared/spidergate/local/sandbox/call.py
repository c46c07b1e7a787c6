"""One request as the sandbox's endpoint handlers see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidergate.local.sandbox.state import Fault


@dataclass(slots=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class SandboxCall:
    """The parsed request: JSON ``body`` or multipart ``fields``/``files``, plus a pending stream fault."""

    path: str
    base_url: str
    request_id: str
    body: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    # A fault that acts mid-stream (cut or error event); handlers that stream honour it.
    stream_fault: Fault | None = None

    def form_value(self, name: str) -> str | None:
        """The first value of a multipart text field."""
        values = self.fields.get(name)
        return values[0] if values else None


class BadRequest(Exception):
    """A request the sandbox refuses with a 400 in the provider's own error shape."""

    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


def optional_int(body: dict[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"'{name}' must be an integer {bounds}.", name)
    return value


def require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("you must provide a model parameter", "model")
    return model
