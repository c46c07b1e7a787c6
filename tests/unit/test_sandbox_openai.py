"""The sandbox's OpenAI-compatible endpoints, in-process: shapes, streaming, determinism, errors."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import struct
import wave
import zlib
from typing import Any

import httpx
import pytest

from spidergate.local.sandbox import SandboxApp, create_sandbox_app

AUTH = {"authorization": "Bearer sk-test-1"}
USER = [{"role": "user", "content": "What is the capital of France?"}]


def send(app: SandboxApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def sse_data(text: str) -> list[Any]:
    """The ``data:`` payloads of an OpenAI stream, ``[DONE]`` kept as the string."""
    out: list[Any] = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            payload = block[len("data: ") :]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


@pytest.fixture
def app() -> SandboxApp:
    return create_sandbox_app()


# -- chat completions ---------------------------------------------------------------------------
def test_chat_answers_with_model_and_echo_and_counts_whitespace_tokens(app: SandboxApp) -> None:
    r = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "gpt-4o-mini", "messages": USER}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["message"]["content"] == "Sandbox reply from gpt-4o-mini: What is the capital of France?"
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == 6
    assert body["usage"]["completion_tokens"] == len(choice["message"]["content"].split())
    assert (
        body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    assert r.headers["x-request-id"]


def test_chat_output_does_not_depend_on_seed(app: SandboxApp) -> None:
    a = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "seed": 1}
    )
    b = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "seed": 9}
    )
    assert a.json()["choices"] == b.json()["choices"]
    assert a.json()["usage"] == b.json()["usage"]


def test_chat_echo_is_truncated_for_long_prompts(app: SandboxApp) -> None:
    words = [f"w{i}" for i in range(100)]
    messages = [{"role": "user", "content": " ".join(words)}]
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": messages})
    content = r.json()["choices"][0]["message"]["content"]
    assert "w0" in content
    assert "w99" not in content
    assert r.json()["usage"]["prompt_tokens"] == 100


def test_chat_reads_text_parts_of_the_last_user_message(app: SandboxApp) -> None:
    messages = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}]},
    ]
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": messages})
    assert r.json()["choices"][0]["message"]["content"] == "Sandbox reply from m: second part"
    assert r.json()["usage"]["prompt_tokens"] == 6


@pytest.mark.parametrize("field", ["max_completion_tokens", "max_tokens"])
def test_chat_truncates_to_the_token_limit_with_finish_reason_length(app: SandboxApp, field: str) -> None:
    r = send(
        app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, field: 3}
    )
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "Sandbox reply from"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3


def test_chat_limit_above_the_reply_keeps_finish_reason_stop(app: SandboxApp) -> None:
    r = send(
        app,
        "POST",
        "/v1/chat/completions",
        headers=AUTH,
        json={"model": "m", "messages": USER, "max_tokens": 500},
    )
    assert r.json()["choices"][0]["finish_reason"] == "stop"


def test_chat_n_gives_that_many_choices_and_usage(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json={"model": "m", "messages": USER, "n": 3})
    body = r.json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    one = len(body["choices"][0]["message"]["content"].split())
    assert body["usage"]["completion_tokens"] == 3 * one


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string"},
            },
            "required": ["city", "days"],
        },
    },
}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}


def test_chat_with_tools_calls_the_first_tool_with_required_string_arguments(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "tools": [WEATHER_TOOL, TIME_TOOL]}
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "sandbox city"}


def test_chat_tool_choice_names_the_tool_and_none_disables_tools(app: SandboxApp) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    body = {"model": "m", "messages": USER, "tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": named}
    call = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).json()["choices"][0]["message"]
    assert call["tool_calls"][0]["function"] == {"name": "get_time", "arguments": "{}"}
    body["tool_choice"] = "none"
    choice = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert "tool_calls" not in choice["message"]


def test_chat_stream_sends_role_content_finish_then_done(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True}
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_data(r.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    contents = [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]]
    assert len(contents) > 3
    assert "".join(contents) == "Sandbox reply from m: What is the capital of France?"
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all("usage" not in c for c in chunks)
    assert len({c["id"] for c in chunks}) == 1


def test_chat_stream_with_include_usage_ends_with_a_usage_chunk(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": True}}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    assert events[-1] == "[DONE]"
    usage_chunk = events[-2]
    assert usage_chunk["choices"] == []
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in events[:-2])
    assert usage_chunk["usage"]["completion_tokens"] == len(text.split())
    assert usage_chunk["usage"]["prompt_tokens"] == 6
    assert all(c["usage"] is None for c in events[:-2])


def test_chat_stream_tool_call_arrives_in_fragments_that_join_to_the_arguments(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "tools": [WEATHER_TOOL]}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    deltas = [e["choices"][0]["delta"] for e in events[:-1]]
    header = deltas[1]["tool_calls"][0]
    assert header["function"] == {"name": "get_weather", "arguments": ""}
    fragments = [d["tool_calls"][0]["function"]["arguments"] for d in deltas[2:-1]]
    assert len(fragments) > 1
    assert json.loads("".join(fragments)) == {"city": "sandbox city"}
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_chat_stream_truncated_by_limit_finishes_with_length(app: SandboxApp) -> None:
    body = {"model": "m", "messages": USER, "stream": True, "max_completion_tokens": 2}
    events = sse_data(send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body).text)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events[:-1]) == "Sandbox reply"
    assert events[-2]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": USER}, "model"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": USER, "stream_options": {"include_usage": True}}, "stream_options"),
        ({"model": "m", "messages": USER, "max_tokens": 0}, "max_tokens"),
        ({"model": "m", "messages": USER, "n": 99}, "n"),
    ],
)
def test_chat_invalid_requests_get_the_openai_400_body(
    app: SandboxApp, body: dict[str, Any], param: str
) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, json=body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert r.json()["error"]["param"] == param


def test_chat_body_that_is_not_json_is_a_400(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=AUTH, content=b"{not json")
    assert r.status_code == 400
    assert "parse the JSON" in r.json()["error"]["message"]


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer "}, {"authorization": "Basic abc"}])
def test_openai_paths_require_a_bearer_key(app: SandboxApp, headers: dict[str, str]) -> None:
    r = send(app, "POST", "/v1/chat/completions", headers=headers, json={"model": "m", "messages": USER})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"


def test_unknown_path_is_an_openai_404(app: SandboxApp) -> None:
    r = send(app, "POST", "/v1/completions/legacy", headers=AUTH, json={})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Invalid URL (POST /v1/completions/legacy)"


# -- embeddings ---------------------------------------------------------------------------------
def test_embeddings_are_deterministic_unit_vectors_of_the_native_size(app: SandboxApp) -> None:
    body = {"model": "text-embedding-3-small", "input": ["hello world", "other text"]}
    first = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()
    again = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()
    assert first["object"] == "list"
    assert [d["index"] for d in first["data"]] == [0, 1]
    vectors = [d["embedding"] for d in first["data"]]
    assert all(len(v) == 1536 for v in vectors)
    assert abs(sum(x * x for x in vectors[0]) - 1.0) < 1e-9
    assert vectors[0] != vectors[1]
    assert vectors == [d["embedding"] for d in again["data"]]
    assert first["usage"] == {"prompt_tokens": 4, "total_tokens": 4}


def test_embeddings_honour_dimensions_and_base64(app: SandboxApp) -> None:
    body = {"model": "text-embedding-3-large", "input": "hello", "dimensions": 256}
    floats = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()["data"][0]["embedding"]
    assert len(floats) == 256
    body["encoding_format"] = "base64"
    encoded = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body).json()["data"][0]["embedding"]
    decoded = struct.unpack("<256f", base64.b64decode(encoded))
    assert decoded == pytest.approx(floats, abs=1e-6)


def test_embeddings_accept_token_arrays(app: SandboxApp) -> None:
    one = send(app, "POST", "/v1/embeddings", headers=AUTH, json={"model": "e", "input": [1, 2, 3]}).json()
    many = send(
        app, "POST", "/v1/embeddings", headers=AUTH, json={"model": "e", "input": [[1, 2], [3]]}
    ).json()
    assert len(one["data"]) == 1
    assert one["usage"]["prompt_tokens"] == 3
    assert len(many["data"]) == 2
    assert many["usage"]["prompt_tokens"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"model": "e", "input": ""},
        {"model": "e", "input": []},
        {"model": "e", "input": [""]},
        {"model": "text-embedding-ada-002", "input": "x", "dimensions": 8},
        {"model": "text-embedding-3-small", "input": "x", "dimensions": 3072},
        {"model": "e", "input": "x", "encoding_format": "int8"},
    ],
)
def test_embeddings_refuse_invalid_input(app: SandboxApp, body: dict[str, Any]) -> None:
    r = send(app, "POST", "/v1/embeddings", headers=AUTH, json=body)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"


# -- images -------------------------------------------------------------------------------------
def png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG, checking the signature and every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        kinds.append(kind)
        pos += 12 + length
    return kinds


def test_images_b64_json_is_a_valid_png(app: SandboxApp) -> None:
    body = {"model": "gpt-image-1", "prompt": "a red fox", "n": 2}
    r = send(app, "POST", "/v1/images/generations", headers=AUTH, json=body)
    data = r.json()["data"]
    assert len(data) == 2
    assert png_chunks(base64.b64decode(data[0]["b64_json"])) == [b"IHDR", b"IDAT", b"IEND"]
    assert r.json()["usage"]["input_tokens"] == 3


def test_images_url_points_at_a_png_the_sandbox_serves(app: SandboxApp) -> None:
    body = {"model": "dall-e-3", "prompt": "a red fox", "response_format": "url"}
    item = send(app, "POST", "/v1/images/generations", headers=AUTH, json=body).json()["data"][0]
    assert item["revised_prompt"] == "a red fox"
    url = httpx.URL(item["url"])
    image = send(app, "GET", url.path)
    assert image.headers["content-type"] == "image/png"
    assert png_chunks(image.content)[0] == b"IHDR"


# -- speech -------------------------------------------------------------------------------------
def speech(app: SandboxApp, fmt: str | None) -> httpx.Response:
    body: dict[str, Any] = {"model": "tts-1", "input": "Hello from the sandbox today", "voice": "alloy"}
    if fmt:
        body["response_format"] = fmt
    return send(app, "POST", "/v1/audio/speech", headers=AUTH, json=body)


def test_speech_wav_is_a_riff_pcm_file(app: SandboxApp) -> None:
    r = speech(app, "wav")
    assert r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 24000)
        assert audio.getnframes() > 0
        assert any(audio.readframes(audio.getnframes()))


def test_speech_pcm_is_raw_samples_matching_the_wav_payload(app: SandboxApp) -> None:
    raw = speech(app, "pcm")
    assert raw.headers["content-type"] == "audio/pcm"
    with wave.open(io.BytesIO(speech(app, "wav").content)) as audio:
        assert raw.content == audio.readframes(audio.getnframes())


def test_speech_defaults_to_mp3_frames_after_an_id3_tag(app: SandboxApp) -> None:
    r = speech(app, None)
    assert r.headers["content-type"] == "audio/mpeg"
    data = r.content
    assert data[:3] == b"ID3"
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames = data[10 + size :]
    assert frames[:4] == b"\xff\xfb\x90\xc4"
    assert len(frames) % 417 == 0
    assert frames[417:421] == b"\xff\xfb\x90\xc4"


def test_speech_opus_is_an_ogg_opus_stream(app: SandboxApp) -> None:
    r = speech(app, "opus")
    assert r.headers["content-type"] == "audio/opus"
    data = r.content
    assert data[:4] == b"OggS"
    assert data[28:36] == b"OpusHead"
    assert b"OpusTags" in data
    assert data[5] == 0x02  # first page: beginning of stream


def test_speech_flac_and_aac_carry_their_format_headers(app: SandboxApp) -> None:
    flac = speech(app, "flac")
    assert flac.headers["content-type"] == "audio/flac"
    assert flac.content[:4] == b"fLaC"
    assert flac.content[8 + 34 : 8 + 36] == b"\xff\xf8"  # the first frame follows STREAMINFO
    aac = speech(app, "aac")
    assert aac.headers["content-type"] == "audio/aac"
    assert aac.content[0] == 0xFF
    assert aac.content[1] & 0xF0 == 0xF0
    frame_length = ((aac.content[3] & 0x03) << 11) | (aac.content[4] << 3) | (aac.content[5] >> 5)
    assert aac.content[frame_length : frame_length + 2] == aac.content[:2]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "tts-1", "voice": "alloy"},
        {"model": "tts-1", "input": "hi"},
        {"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "ogg"},
        {"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 9},
        {"model": "tts-1", "input": "x" * 4097, "voice": "alloy"},
    ],
)
def test_speech_refuses_invalid_requests(app: SandboxApp, body: dict[str, Any]) -> None:
    assert send(app, "POST", "/v1/audio/speech", headers=AUTH, json=body).status_code == 400


# -- transcriptions -----------------------------------------------------------------------------
def transcribe(
    app: SandboxApp, fmt: str | None = None, model: str = "whisper-1", **fields: str
) -> httpx.Response:
    data = {"model": model, **fields}
    if fmt:
        data["response_format"] = fmt
    files = {"file": ("meeting.wav", b"\x00\x01" * 40_000, "audio/wav")}
    return send(app, "POST", "/v1/audio/transcriptions", headers=AUTH, data=data, files=files)


def test_transcription_json_text_is_derived_from_the_file_name_and_size(app: SandboxApp) -> None:
    body = transcribe(app).json()
    assert body["text"] == "Sandbox transcript of meeting.wav, 80000 bytes."
    assert body["usage"] == {"type": "duration", "seconds": 3}


def test_transcription_token_models_report_token_usage(app: SandboxApp) -> None:
    usage = transcribe(app, model="gpt-4o-transcribe", prompt="names: Ada").json()["usage"]
    assert usage["type"] == "tokens"
    assert usage["input_token_details"]["text_tokens"] == 2
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_transcription_text_srt_and_vtt_are_plain_text(app: SandboxApp) -> None:
    text = transcribe(app, "text", language="en")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == "Sandbox transcript of meeting.wav, 80000 bytes. Language: en.\n"
    srt = transcribe(app, "srt").text
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\nSandbox transcript")
    vtt = transcribe(app, "vtt").text
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n")


def test_transcription_verbose_json_has_segments_and_words_on_request(app: SandboxApp) -> None:
    plain = transcribe(app, "verbose_json", language="fr").json()
    assert plain["language"] == "french"
    assert plain["duration"] == 2.5
    assert plain["segments"][0]["end"] == 2.5
    assert "words" not in plain
    worded = transcribe(app, "verbose_json", **{"timestamp_granularities[]": "word"}).json()
    assert [w["word"] for w in worded["words"]] == worded["text"].split()


@pytest.mark.parametrize(
    ("fmt", "model", "extra"),
    [("srt", "gpt-4o-transcribe", {}), ("xml", "whisper-1", {}), (None, "whisper-1", {"temperature": "3"})],
)
def test_transcription_refuses_invalid_options(
    app: SandboxApp, fmt: str | None, model: str, extra: dict[str, str]
) -> None:
    assert transcribe(app, fmt, model=model, **extra).status_code == 400


def test_transcription_requires_a_file(app: SandboxApp) -> None:
    r = send(
        app,
        "POST",
        "/v1/audio/transcriptions",
        headers=AUTH,
        data={"model": "whisper-1"},
        files={"x": ("a", b"1")},
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "file"


# -- models -------------------------------------------------------------------------------------
def test_models_list_in_openai_shape(app: SandboxApp) -> None:
    body = send(app, "GET", "/v1/models", headers=AUTH).json()
    assert body["object"] == "list"
    assert {"gpt-4o-mini", "whisper-1"} <= {m["id"] for m in body["data"]}
    assert all(m["object"] == "model" for m in body["data"])


def test_models_list_in_anthropic_shape_when_asked_anthropic_style(app: SandboxApp) -> None:
    headers = {"x-api-key": "ak", "anthropic-version": "2023-06-01"}
    body = send(app, "GET", "/v1/models", headers=headers).json()
    assert body["has_more"] is False
    assert all(m["type"] == "model" for m in body["data"])
