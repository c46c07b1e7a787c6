"""Issue 12 #3: key material never leaves in upstream text (client, log, trace)."""

from __future__ import annotations

import pytest

from spidergate.providers.base import UpstreamError
from spidergate.redaction import MASK, Redactor, redact


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcDEF1234567890",
        "sk-ant-api03-abcdefghijklmnop",
        "sk-or-v1-0123456789abcdef",
        "sk-canary-0123456789",
        "sk-canar************************1234",  # OpenAI's own masked echo
        "gsk_0123456789abcdefABCDEF",
        "AIzaSyA-0123456789abcdefghijklmnop",
        "xai-0123456789abcdefghij",
        "csk-0123456789abcdefghij",
        "nvapi-0123456789abcdefghij",
        "hf_0123456789abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
        "spideriq_pat_abcdefghijklmnop",
        "Bearer cli_1:ak_2:sgs_3secret",
    ],
)
def test_key_shaped_strings_are_masked(secret: str) -> None:
    text = f"Incorrect API key provided: {secret}. See the docs."
    out = redact(text)
    assert secret not in out and MASK in out
    assert out.startswith("Incorrect API key provided: ") and out.endswith(". See the docs.")


def test_the_material_in_use_is_masked_whatever_its_shape() -> None:
    material = "4f1c9e0b7a2d43c8a9e6b5d4c3f2a1e0"  # a Mistral-style key: no prefix
    out = Redactor([material]).redact(f"key {material} rejected; retry")
    assert out == f"key {MASK} rejected; retry"


def test_ordinary_text_is_untouched() -> None:
    text = "Invalid value for 'temperature': ask-me task-force desk-top 12345678 billing"
    assert redact(text) == text
    assert Redactor(["short"]).redact("a short word") == "a short word"  # too short to be a secret


def test_scrub_redacts_every_text_field_of_an_upstream_error() -> None:
    error = UpstreamError(
        401,
        "http",
        "openai answered 401: Incorrect API key provided: my-secret-material",
        code="invalid_api_key",
        raw='{"error": {"message": "Incorrect API key provided: my-secret-material"}}',
        upstream_message="Incorrect API key provided: my-secret-material",
        param="my-secret-material",
    )
    Redactor(["my-secret-material"]).scrub(error)
    fields = (error.message, error.raw, error.upstream_message, error.param, str(error))
    assert all("my-secret-material" not in (f or "") for f in fields)
    assert error.code == "invalid_api_key"
