"""Strict OpenAI-compatible providers: their refusals of fields OpenAI accepts, with their own bodies.

Served under the provider's own path shape (``/cerebras/v1/chat/completions``,
``/gemini/v1beta/openai/chat/completions``) so a key's base URL selects the behaviour. The bodies
are the providers' as reported in public issue threads:

- Cerebras answers 400 ``wrong_api_format`` for properties it does not know, ``store`` and a
  replayed ``messages[].reasoning_content`` among them (Kilo-Org/kilocode#10375);
- Gemini's OpenAI endpoint answers 400 with a JSON *array* ``[{"error": {..., "status":
  "INVALID_ARGUMENT"}}]`` for ``store`` and ``metadata`` (Routstr/routstr-core#505).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from spidergate.local.sandbox.call import SandboxCall
from spidergate.local.sandbox.chat import handle_chat
from spidergate.local.sandbox.wire import error_response


@dataclass(frozen=True, slots=True)
class StrictProfile:
    """Top-level fields and message fields a provider refuses, and how it says so."""

    fields: frozenset[str]
    message_fields: frozenset[str]
    error: Callable[[list[str]], Any]


def _cerebras_error(problems: list[str]) -> Any:
    message = "\n".join(f"{path}: property '{path}' is unsupported" for path in problems)
    return {
        "message": message,
        "type": "invalid_request_error",
        "param": "validation_error",
        "code": "wrong_api_format",
    }


def _gemini_error(problems: list[str]) -> Any:
    texts = [
        f'Invalid JSON payload received. Unknown name "{p.rsplit(".", 1)[-1]}": Cannot find field.'
        for p in problems
    ]
    violations = [{"description": text} for text in texts]
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}]
    return [
        {
            "error": {
                "code": 400,
                "message": "\n".join(texts),
                "status": "INVALID_ARGUMENT",
                "details": details,
            }
        }
    ]


PROFILES: dict[str, StrictProfile] = {
    "/cerebras/v1/chat/completions": StrictProfile(
        frozenset({"store"}), frozenset({"reasoning_content", "thinking_blocks"}), _cerebras_error
    ),
    "/gemini/v1beta/openai/chat/completions": StrictProfile(
        frozenset({"store", "metadata"}), frozenset({"thinking_blocks"}), _gemini_error
    ),
}


def refusals(profile: StrictProfile, body: dict[str, Any]) -> list[str]:
    """The refused properties of ``body`` as dotted paths (``store``, ``messages.2.assistant.x``)."""
    problems = [name for name in sorted(body) if name in profile.fields]
    for index, message in enumerate(body.get("messages") or []):
        if isinstance(message, dict):
            role = message.get("role")
            problems.extend(
                f"messages.{index}.{role}.{name}"
                for name in sorted(message)
                if name in profile.message_fields
            )
    return problems


def strict_chat(path: str) -> Callable[[SandboxCall], Response]:
    """The chat handler behind ``path``'s profile: refuse like the provider, else answer as usual."""
    profile = PROFILES[path]

    def handle(call: SandboxCall) -> Response:
        problems = refusals(profile, call.body)
        if problems:
            return error_response(400, profile.error(problems), {"x-request-id": call.request_id})
        return handle_chat(call)

    return handle
