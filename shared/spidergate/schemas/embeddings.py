"""Embedding requests, after ``CreateEmbeddingRequest`` in the OpenAI spec, and per-model rules.

``input`` is a string, an array of strings, an array of token ids, or an array of token arrays
(at most 2048 items, none empty). ``dimensions`` exists only for the text-embedding-3 models (up
to each model's native size); every other model refuses it with a 400 before any upstream call.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spidergate.catalog.model import ModelInfo
from spidergate.errors import InvalidRequest

MAX_INPUTS = 2048
MAX_TOKEN_ID = 2**31 - 1

# Upstream model names that take ``dimensions``, with their native (largest) size.
NATIVE_DIMENSIONS: dict[str, int] = {"text-embedding-3-large": 3072, "text-embedding-3-small": 1536}

# Fields only the gateway reads; never sent upstream.
GATEWAY_FIELDS = frozenset({"include_route_trace"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _token_array(value: Any) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(_is_int(t) and 0 <= t <= MAX_TOKEN_ID for t in value)
    )


class EmbeddingRequest(BaseModel):
    """The OpenAI embeddings request; ``model`` may be a task alias (``embed``, ``embed-large``)."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = Field(default=None, ge=1, le=65536)
    user: str | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _input_shape(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value:
                raise ValueError("must not be an empty string")
            return value
        if not isinstance(value, list):
            raise ValueError("must be a string, an array of strings, or an array of token arrays")
        if not value:
            raise ValueError("must not be an empty array")
        if len(value) > MAX_INPUTS:
            raise ValueError(f"accepts at most {MAX_INPUTS} items")
        if all(isinstance(v, str) for v in value):
            if not all(value):
                raise ValueError("must not contain empty strings")
            return value
        if _token_array(value) or all(_token_array(v) for v in value):
            return value
        raise ValueError(
            "must be a string, an array of non-empty strings, an array of token ids (integers >= 0), "
            "or an array of non-empty token arrays"
        )

    @property
    def token_arrays(self) -> list[list[int]]:
        """The inputs given as token ids (empty when the inputs are strings)."""
        value = self.input
        if isinstance(value, str) or not value or isinstance(value[0], str):
            return []
        if isinstance(value[0], int):
            return [value]
        return value

    def problem_with(self, model: ModelInfo) -> InvalidRequest | None:
        """Why ``model`` cannot take this request (a 400 naming the parameter), or None."""
        if self.dimensions is not None:
            native = NATIVE_DIMENSIONS.get(model.model)
            if native is None:
                return InvalidRequest(
                    f"Model `{model.model}` does not support `dimensions`; only the text-embedding-3 "
                    "models do. Leave it out to get the model's native size.",
                    param="dimensions",
                    code="unsupported_parameter",
                )
            if self.dimensions > native:
                return InvalidRequest(
                    f"`dimensions` must be between 1 and {native} for `{model.model}`.", param="dimensions"
                )
        window = model.context_window
        if window:
            for index, tokens in enumerate(self.token_arrays):
                if len(tokens) > window:
                    return InvalidRequest(
                        f"Input {index} has {len(tokens)} tokens; "
                        f"`{model.model}` takes at most {window} per input.",
                        param="input",
                        code="context_length_exceeded",
                    )
        return None


def upstream_body(payload: dict[str, Any]) -> dict[str, Any]:
    """The request as the client sent it, less the gateway's own fields (the adapter sets ``model``)."""
    return {k: v for k, v in payload.items() if k not in GATEWAY_FIELDS}
