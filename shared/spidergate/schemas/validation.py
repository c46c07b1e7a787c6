"""Request parsing and validation errors rendered as OpenAI 400s (one place)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from spidergate.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)


MAX_DEPTH = 64  # deeper JSON is no real request (OpenAI's own tool schemas nest a few levels)
MAX_INT_DIGITS = 100  # far beyond any count or seed; known fields have their own bounds (named)


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying why it is not one.

    Nesting, non-finite numbers and huge integers are refused here, so nothing later (pydantic,
    pricing, re-serialising for the upstream) meets a ``RecursionError`` or a ``Decimal`` overflow.
    """
    if not raw.strip():
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        parsed = json.loads(raw, parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int)
    except RecursionError:
        raise _too_deep() from None
    except _OutOfRange as exc:
        raise InvalidRequest(f"The request body holds a number out of range: {exc.args[0]}") from None
    except ValueError as exc:
        raise InvalidRequest(
            f"The request body is not valid JSON: {exc.args[0] if exc.args else exc}"
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:  # cheap: only bodies that could be deep are walked
        path = _too_deep_at(parsed)
        if path is not None:
            raise _too_deep(path)
    return parsed


class _OutOfRange(ValueError):
    pass


def _no_constant(name: str) -> float:
    raise _OutOfRange(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _OutOfRange(f"{text[:40]} overflows a double")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _OutOfRange(f"an integer of {len(text)} digits")
    return int(text)


def _too_deep(path: str | None = None) -> InvalidRequest:
    return InvalidRequest(
        f"The request body nests deeper than {MAX_DEPTH} levels" + (f" (in `{path}`)" if path else "") + ".",
        param=path,
    )


def _too_deep_at(value: Any) -> str | None:
    """The top-level field under which ``value`` nests deeper than ``MAX_DEPTH``, or None.

    Iterative (no recursion) and path-free: it runs on every body with many brackets (tool schemas).
    """
    if not isinstance(value, dict):
        return None
    for name, top in value.items():
        stack: list[tuple[Any, int]] = [(top, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                return str(name)
            children = node.values() if type(node) is dict else node if type(node) is list else ()
            for child in children:
                if type(child) is dict or type(child) is list:
                    stack.append((child, depth + 1))
    return None


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
