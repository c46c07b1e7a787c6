"""Small, structurally valid audio files for each text-to-speech ``response_format``.

- ``pcm``: raw 24 kHz mono signed 16-bit little-endian samples (a tone), as OpenAI sends it.
- ``wav``: the same samples in a RIFF/WAVE container.
- ``mp3``: an ID3v2.4 tag, then MPEG-1 Layer III frames (128 kbps, 44.1 kHz, mono) whose
  side information is all zero, which decoders play as silence.
- ``opus``: an Ogg Opus stream (OpusHead, OpusTags, then 20 ms CELT silence packets), page CRCs
  computed.
- ``flac``: ``fLaC``, STREAMINFO (with the MD5 of the samples) and frames of CONSTANT zero
  subframes (silence), CRC-8 and CRC-16 computed.
- ``aac``: ADTS AAC-LC frames, each carrying one empty single-channel element (silence).
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
from functools import cache

PCM_RATE = 24_000


def pcm(seconds: float, frequency: float) -> bytes:
    """A sine tone as 16-bit little-endian mono samples at 24 kHz."""
    period = max(2, round(PCM_RATE / frequency))
    cycle = struct.pack(
        f"<{period}h", *(round(8000 * math.sin(2 * math.pi * i / period)) for i in range(period))
    )
    total = int(seconds * PCM_RATE) * 2
    return (cycle * (total // len(cycle) + 1))[:total]


def wav(samples: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(PCM_RATE)
        writer.writeframes(samples)
    return out.getvalue()


def mp3(seconds: float) -> bytes:
    text = b"\x03spidergate sandbox"  # UTF-8 encoding byte, then the text
    frame = b"TSSE" + _syncsafe(len(text)) + b"\x00\x00" + text
    tag = b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame
    # MPEG-1 Layer III, no CRC, 128 kbps, 44.1 kHz, mono: 144 * 128000 / 44100 = 417 bytes a frame.
    silent_frame = b"\xff\xfb\x90\xc4" + bytes(413)
    return tag + silent_frame * max(1, math.ceil(seconds * 44_100 / 1152))


def ogg_opus(seconds: float) -> bytes:
    serial = 0x5A4E4458
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, PCM_RATE, 0, 0)
    vendor = b"spidergate sandbox"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_ogg_page([head], 0x02, 0, serial, 0), _ogg_page([tags], 0x00, 0, serial, 1)]
    count = max(1, math.ceil(seconds / 0.02))
    silence = b"\xf8\xff\xfe"  # TOC: CELT fullband 20 ms mono, one frame; then a silent frame
    granule = 312
    for seq, start in enumerate(range(0, count, 255), start=2):
        packets = [silence] * min(255, count - start)
        granule += 960 * len(packets)
        last = start + len(packets) >= count
        pages.append(_ogg_page(packets, 0x04 if last else 0x00, granule, serial, seq))
    return b"".join(pages)


def flac(seconds: float) -> bytes:
    block = 4096
    frames = max(1, math.ceil(seconds * PCM_RATE / block))
    total = frames * block
    encoded = [_flac_silent_frame(i) for i in range(frames)]
    size = len(encoded[0])
    info = struct.pack(">HH", block, block) + size.to_bytes(3, "big") + size.to_bytes(3, "big")
    info += ((PCM_RATE << 44) | (0 << 41) | (15 << 36) | total).to_bytes(8, "big")  # mono, 16 bits
    info += hashlib.md5(bytes(total * 2), usedforsecurity=False).digest()
    return b"fLaC" + b"\x80" + len(info).to_bytes(3, "big") + info + b"".join(encoded)


def adts_aac(seconds: float) -> bytes:
    raw = b"\x00\x00\x00\x07"  # SCE tag 0, gain 0, long window, max_sfb 0, no tools; then END
    length = 7 + len(raw)
    # syncword, MPEG-4, layer 0, no CRC | LC | 24 kHz (index 6) | mono | frame length | VBR fullness
    bits = (0xFFF << 44) | (1 << 40) | (1 << 38) | (6 << 34) | (1 << 30) | (length << 13) | (0x7FF << 2)
    frame = bits.to_bytes(7, "big") + raw
    return frame * max(1, math.ceil(seconds * PCM_RATE / 1024))


def _syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _ogg_page(packets: list[bytes], header_type: int, granule: int, serial: int, seq: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing.extend(b"\xff" * (len(packet) // 255))
        lacing.append(len(packet) % 255)
    head = b"OggS\x00" + struct.pack("<BqIII", header_type, granule, serial, seq, 0)
    page = bytearray(head + bytes([len(lacing)]) + lacing + b"".join(packets))
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


@cache
def _ogg_crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        reg = byte << 24
        for _ in range(8):
            reg = ((reg << 1) ^ 0x04C11DB7) if reg & 0x80000000 else reg << 1
        table.append(reg & 0xFFFFFFFF)
    return tuple(table)


def _ogg_crc(data: bytes) -> int:
    table = _ogg_crc_table()
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _flac_silent_frame(number: int) -> bytes:
    # Sync + fixed blocking | 4096 samples, 24 kHz | mono, 16 bits | frame number (UTF-8 coded).
    header = b"\xff\xf8\xc7\x08" + chr(number).encode()
    header += bytes([_crc(header, 8, 0x07)])
    frame = header + b"\x00" + b"\x00\x00"  # CONSTANT subframe, value 0
    return frame + _crc(frame, 16, 0x8005).to_bytes(2, "big")


def _crc(data: bytes, width: int, poly: int) -> int:
    """MSB-first CRC with zero init (FLAC's CRC-8 and CRC-16)."""
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    crc = 0
    for byte in data:
        crc ^= byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else crc << 1
            crc &= mask
    return crc
