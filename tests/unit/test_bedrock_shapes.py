"""Bedrock Converse message rules the sandbox cannot see: checked here against the real wording.

``converse_rules`` reproduces the ValidationExceptions Bedrock answers (messages quoted from its
errors) for the shapes OpenAI clients send: a conversation opening with an assistant turn, document
names with characters or whitespace runs it forbids, and two documents with one name.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from spidergate.providers.bedrock_request import OPENING_USER_TURN, DocumentNames, build_converse_request

from .bedrock_stubs import target

PDF = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4").decode()
_NAME = re.compile(r"^[A-Za-z0-9\-\(\)\[\] ]+$")


def converse_rules(params: dict[str, Any]) -> None:
    """Raise with Bedrock's own message where a real Converse call would be refused."""
    messages = params["messages"]
    if not messages or messages[0]["role"] != "user":
        raise AssertionError(
            "A conversation must start with a user message. Try again with a conversation that starts "
            "with a user message."
        )
    seen: set[str] = set()
    for message in messages:
        for block in message["content"]:
            document = block.get("document")
            if document is None:
                continue
            name = document["name"]
            if not _NAME.match(name) or "  " in name or name != name.strip():
                raise AssertionError(
                    "The document file name can only contain alphanumeric characters, whitespace "
                    "characters, hyphens, parentheses, and square brackets. The name can't contain more "
                    "than one consecutive whitespace character."
                )
            if name.lower() in seen:
                raise AssertionError("The model returned the following errors: duplicate document names")
            seen.add(name.lower())


def file_part(filename: str | None) -> dict[str, Any]:
    file: dict[str, Any] = {"file_data": PDF}
    if filename is not None:
        file["filename"] = filename
    return {"type": "file", "file": file}


def test_a_leading_assistant_turn_gets_a_user_turn_before_it() -> None:
    request = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "assistant", "content": "Hello! How can I help?"},
            {"role": "user", "content": "Weather?"},
        ]
    }
    params = build_converse_request(target(), request)
    converse_rules(params)
    assert params["messages"][0] == {"role": "user", "content": [{"text": OPENING_USER_TURN}]}
    assert [m["role"] for m in params["messages"]] == ["user", "assistant", "user"]


def test_unnamed_files_get_distinct_names_across_replayed_turns() -> None:
    request = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Read"}, file_part(None), file_part(None)]},
            {"role": "assistant", "content": "Done."},
            {"role": "user", "content": [file_part(None), file_part("Document.pdf")]},
        ]
    }
    params = build_converse_request(target(), request)
    converse_rules(params)
    names = [b["document"]["name"] for m in params["messages"] for b in m["content"] if "document" in b]
    assert names == ["document", "document (2)", "document (3)", "Document (4)"]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Q3 — results & notes.pdf", "Q3 results notes"),
        ("a__b..c.pdf", "a b c"),
        ("   .pdf", "document"),
        ("report [draft] (v2).pdf", "report [draft] (v2)"),
    ],
)
def test_names_are_cleaned_without_whitespace_runs(filename: str, expected: str) -> None:
    params = build_converse_request(
        target(), {"messages": [{"role": "user", "content": [file_part(filename)]}]}
    )
    converse_rules(params)
    assert params["messages"][0]["content"][0]["document"]["name"] == expected


def test_long_names_stay_within_the_limit_when_numbered() -> None:
    names = DocumentNames()
    first, second = names.name("x" * 300 + ".pdf"), names.name("x" * 300 + ".pdf")
    assert len(first) == 200
    assert len(second) <= 200
    assert second.endswith(" (2)")
