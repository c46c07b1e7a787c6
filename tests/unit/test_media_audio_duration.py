"""Audio durations read from file headers: exact where the container says, estimated otherwise."""

from __future__ import annotations

import io
import struct
import wave

import pytest

from spidergate.local.sandbox import audio_formats
from spidergate.serve.audio_duration import ESTIMATE_BYTES_PER_SECOND, audio_duration


def wav_bytes(seconds: float, rate: int = 16_000, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(bytes(int(seconds * rate) * channels * width))
    return out.getvalue()


@pytest.mark.parametrize(
    ("seconds", "rate", "channels"), [(1.0, 16_000, 1), (3.25, 44_100, 2), (0.5, 8_000, 1)]
)
def test_wav_is_exact(seconds: float, rate: int, channels: int) -> None:
    found = audio_duration(wav_bytes(seconds, rate, channels))
    assert found.exact
    assert found.seconds == pytest.approx(seconds, abs=1 / rate)


def test_wav_with_extra_chunks_and_streamed_size() -> None:
    raw = wav_bytes(2.0)
    # A LIST chunk before data, and a data size of 0xFFFFFFFF as streaming encoders write it.
    fmt_end = raw.index(b"data")
    listed = raw[:fmt_end] + b"LIST" + struct.pack("<I", 5) + b"abcde\x00" + raw[fmt_end:]
    streamed = bytearray(listed)
    at = bytes(streamed).index(b"data")
    streamed[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    found = audio_duration(bytes(streamed))
    assert found.exact and found.seconds == pytest.approx(2.0)


def test_truncated_wav_counts_only_what_is_there() -> None:
    raw = wav_bytes(2.0)
    found = audio_duration(raw[: len(raw) - 16_000])  # half a second of samples missing
    assert found.exact and found.seconds == pytest.approx(1.5)


def test_sandbox_formats() -> None:
    assert audio_duration(audio_formats.ogg_opus(1.5)).seconds == pytest.approx(1.5)
    assert audio_duration(audio_formats.ogg_opus(1.5)).exact
    flac = audio_formats.flac(1.0)
    assert audio_duration(flac).exact
    assert audio_duration(flac).seconds == pytest.approx(6 * 4096 / 24_000)  # whole 4096-sample blocks
    aac = audio_duration(audio_formats.adts_aac(1.0))
    assert aac.exact and aac.seconds == pytest.approx(24 * 1024 / 24_000)
    pcm = audio_duration(audio_formats.pcm(2.0, 440), "pcm")
    assert pcm.exact and pcm.seconds == pytest.approx(2.0)


def test_cbr_mp3_is_an_estimate_from_the_bit_rate() -> None:
    found = audio_duration(audio_formats.mp3(3.0))
    assert not found.exact
    assert found.seconds == pytest.approx(3.0, abs=0.05)


def test_mp3_with_xing_frame_count_is_exact() -> None:
    header = b"\xff\xfb\x90\xc4"  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono
    side = bytes(17)
    xing = b"Xing" + struct.pack(">II", 1, 1000)  # flags: frame count present; 1000 frames
    frame = header + side + xing
    data = frame + bytes(417 - len(frame)) + (header + bytes(413)) * 3
    found = audio_duration(data)
    assert found.exact
    assert found.seconds == pytest.approx(1000 * 1152 / 44_100)


def test_mp4_mvhd() -> None:
    mvhd_payload = bytes([0, 0, 0, 0]) + bytes(8) + struct.pack(">II", 1000, 12_345) + bytes(80)
    mvhd = struct.pack(">I", 8 + len(mvhd_payload)) + b"mvhd" + mvhd_payload
    moov = struct.pack(">I", 8 + len(mvhd)) + b"moov" + mvhd
    ftyp = struct.pack(">I", 16) + b"ftypM4A " + bytes(4)
    mdat = struct.pack(">I", 8 + 100) + b"mdat" + bytes(100)
    found = audio_duration(ftyp + mdat + moov)
    assert found.exact and found.seconds == pytest.approx(12.345)


def test_unknown_or_damaged_audio_is_a_size_estimate() -> None:
    webm = b"\x1aE\xdf\xa3" + bytes(31_996)
    found = audio_duration(webm, "talk.webm")
    assert not found.exact
    assert found.seconds == pytest.approx(32_000 / ESTIMATE_BYTES_PER_SECOND)
    broken = b"RIFF\x00\x00\x00\x00WAVEfmt "  # header cut short
    assert not audio_duration(broken).exact
    assert audio_duration(b"").seconds == 0
