"""How long an audio file plays, read from its own headers (for per-second and per-token billing).

Exact for WAV (``data`` size / byte rate), FLAC (STREAMINFO total samples), Ogg Opus and Vorbis
(last page's granule position), MP4/M4A (``mvhd``), ADTS AAC (frame walk), MP3 with a Xing/Info
or VBRI header (frame count), and raw 24 kHz 16-bit mono PCM (OpenAI's ``pcm``). Anything else is
an estimate, flagged ``exact=False``: MP3 without a VBR header from its first frame's bit rate,
other containers (WebM, ...) from the size at 128 kbit/s.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

ESTIMATE_BYTES_PER_SECOND = 16_000  # 128 kbit/s: typical of compressed speech uploads
PCM_BYTES_PER_SECOND = 48_000  # OpenAI's pcm: 24 kHz, 16-bit, mono
_MP3_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 Layer III
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5 Layer III
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


@dataclass(frozen=True, slots=True)
class Duration:
    seconds: float
    exact: bool


def audio_duration(data: bytes, hint: str = "") -> Duration:
    """The playing time of ``data``; ``hint`` is a format name or file name (``pcm``, ``a.wav``)."""
    parsed = None
    try:
        if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
            parsed = _wav(data)
        elif data[:4] == b"OggS":
            parsed = _ogg(data)
        elif data[4:8] == b"ftyp":
            parsed = _mp4(data)
        elif hint.lower().rsplit(".", 1)[-1] == "pcm":
            parsed = Duration(len(data) / PCM_BYTES_PER_SECOND, True)
        else:
            body = data[_id3_size(data) :]
            if body[:4] == b"fLaC":
                parsed = _flac(body)
            elif len(body) >= 2 and body[0] == 0xFF and body[1] & 0xF6 == 0xF0:
                parsed = _adts(body)
            elif len(body) >= 4 and body[0] == 0xFF and body[1] & 0xE0 == 0xE0:
                parsed = _mp3(body)
    except (struct.error, IndexError, ValueError, ZeroDivisionError):
        parsed = None  # a damaged header: fall back to the size estimate
    if parsed is not None and parsed.seconds >= 0:
        return parsed
    return Duration(len(data) / ESTIMATE_BYTES_PER_SECOND, False)


def _wav(data: bytes) -> Duration | None:
    pos, byte_rate, fmt_tag, data_size = 12, 0, 0, None
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"fmt ":
            fmt_tag, _channels, _rate, byte_rate = struct.unpack_from("<HHII", data, pos + 8)
        elif chunk == b"data":
            available = len(data) - pos - 8
            data_size = available if size in (0, 0xFFFFFFFF) else min(size, available)
            break
        pos += 8 + size + (size & 1)
    if data_size is None or not byte_rate:
        return None
    return Duration(data_size / byte_rate, fmt_tag in (1, 3, 0xFFFE))


def _flac(data: bytes) -> Duration | None:
    if data[4] & 0x7F != 0:  # STREAMINFO must come first
        return None
    packed = int.from_bytes(data[18:26], "big")
    rate, total = packed >> 44, packed & ((1 << 36) - 1)
    return Duration(total / rate, True) if rate and total else None


def _ogg(data: bytes) -> Duration | None:
    last = data.rfind(b"OggS")
    granule = struct.unpack_from("<q", data, last + 6)[0]
    first_packet = data[27 + data[26] : 27 + data[26] + 19]
    if first_packet.startswith(b"OpusHead"):
        pre_skip = struct.unpack_from("<H", first_packet, 10)[0]
        return Duration(max(0, granule - pre_skip) / 48000, True)
    if first_packet.startswith(b"\x01vorbis"):
        rate = struct.unpack_from("<I", first_packet, 12)[0]
        return Duration(granule / rate, True) if rate else None
    return None


def _mp4(data: bytes) -> Duration | None:
    moov = _box(data, 0, len(data), b"moov")
    if moov is None:
        return None
    mvhd = _box(data, moov[0], moov[1], b"mvhd")
    if mvhd is None:
        return None
    start = mvhd[0]
    if data[start] == 1:
        scale, length = struct.unpack_from(">IQ", data, start + 20)
    else:
        scale, length = struct.unpack_from(">II", data, start + 12)
    return Duration(length / scale, True) if scale else None


def _box(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(payload start, end) of the first ``kind`` box between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        size, found = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return None
        if found == kind:
            return pos + header, min(end, pos + size)
        pos += size
    return None


def _adts(data: bytes) -> Duration | None:
    pos, samples, rate = 0, 0, 0
    while pos + 7 <= len(data) and data[pos] == 0xFF and data[pos + 1] & 0xF6 == 0xF0:
        header = int.from_bytes(data[pos : pos + 7], "big")
        rate = _ADTS_RATES[(header >> 34) & 0xF]
        length = (header >> 13) & 0x1FFF
        if length < 7:
            break
        samples += 1024 * ((header & 0x3) + 1)
        pos += length
    return Duration(samples / rate, pos >= len(data)) if rate and samples else None


def _mp3(data: bytes) -> Duration | None:
    b1, b2, b3 = data[1], data[2], data[3]
    version, layer = (b1 >> 3) & 0x3, (b1 >> 1) & 0x3
    if layer != 1 or version == 1 or (b2 >> 2) & 0x3 == 3:
        return None  # not Layer III, or a reserved version / sample rate
    rate = _MP3_RATES[version][(b2 >> 2) & 0x3]
    kbps = _MP3_BITRATES[1 if version == 3 else 2][b2 >> 4] if b2 >> 4 < 15 else 0
    per_frame = 1152 if version == 3 else 576
    mono = b3 >> 6 == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    tag = data[4 + side : 4 + side + 4]
    if tag in (b"Xing", b"Info") and struct.unpack_from(">I", data, 8 + side)[0] & 1:
        frames = struct.unpack_from(">I", data, 12 + side)[0]
        return Duration(frames * per_frame / rate, True)
    if data[36:40] == b"VBRI":
        frames = struct.unpack_from(">I", data, 50)[0]
        return Duration(frames * per_frame / rate, True)
    if not kbps:
        return None
    size = len(data) - (128 if data[-128:-125] == b"TAG" else 0)
    return Duration(size * 8 / (kbps * 1000), False)


def _id3_size(data: bytes) -> int:
    """Bytes of a leading ID3v2 tag (0 without one)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)
