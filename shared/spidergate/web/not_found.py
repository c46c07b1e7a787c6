"""The 404 for an unknown path, with a pointer for the OpenAI endpoints this gateway does not serve.

``@ai-sdk/openai`` (``openai(model)``) calls ``/responses`` by default and LlamaIndex's
``OpenAILike`` may call the legacy ``/completions``: the error says what to use instead.
"""

from __future__ import annotations

GATE = "/api/gate/v1"
_INSTEAD = {
    "/responses": (
        "The Responses API (/responses) is not served by this gateway; use POST "
        f"{GATE}/chat/completions (with @ai-sdk/openai: openai.chat(model); with the openai SDK: "
        "client.chat.completions.create)."
    ),
    "/completions": (
        "The legacy Completions API (/completions) is not served by this gateway; use POST "
        f"{GATE}/chat/completions (with LlamaIndex OpenAILike: is_chat_model=True)."
    ),
}


def unknown_path_message(path: str) -> str:
    """``Unknown path.``, or what to call instead of an OpenAI endpoint that is not served."""
    if path.startswith(GATE):
        rest = path[len(GATE) :].rstrip("/")
        for prefix, message in _INSTEAD.items():
            if rest == prefix or rest.startswith(prefix + "/"):
                return message
    return "Unknown path."
