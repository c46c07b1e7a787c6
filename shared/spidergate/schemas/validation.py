"""Request parsing and validation errors rendered as OpenAI 400s (one place)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from spidergate.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying why it is not one."""
    if not raw.strip():
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequest(
            f"The request body is not valid JSON: {exc.args[0] if exc.args else exc}"
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return parsed


def invalid_from(error: ValidationError) -> InvalidRequest:
    """The first validation problem as an OpenAI-style 400 naming the parameter."""
    first = error.errors(include_url=False)[0]
    param = _param(first.get("loc", ())) or None
    message = first.get("msg", "invalid value")
    if first.get("type") == "missing":
        message = "field required"
    if first.get("type") == "union_tag_invalid" and "role" in str(first.get("ctx", {})):
        message = "unknown message role"
    return InvalidRequest(f"Invalid request: {param or 'body'}: {message}", param=param)


_TAGGED = {"messages", "content"}  # lists of discriminated unions: pydantic adds the tag to the path


def _param(loc: tuple[int | str, ...]) -> str:
    """The dotted parameter path, without pydantic's union-branch and discriminator labels."""
    parts: list[str] = []
    for i, item in enumerate(loc):
        text = str(item)
        if (
            text == "body"
            or text[:1].isupper()
            or text in ("str", "int")
            or text.startswith(("function-", "literal[", "list[", "str[", "int["))
        ):
            continue
        if i >= 2 and isinstance(loc[i - 1], int) and str(loc[i - 2]) in _TAGGED and isinstance(item, str):
            continue  # the discriminator value (role / part type)
        parts.append(text)
    return ".".join(parts)


def validate(model: type[M], payload: dict[str, Any]) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise invalid_from(exc) from None
