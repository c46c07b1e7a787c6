"""What an image, speech or transcription request costs, by the unit the catalog prices its model in.

- Images: the tokens the response reports when the model has token prices (GPT Image bills its
  image tokens), else the catalog's price per image for the request's size and quality, times the
  images returned. A token-priced model that reports nothing is estimated from OpenAI's published
  image-token counts (flagged ``estimated``).
- Speech: characters of ``input`` at ``per_character``; token-priced models (``gpt-4o-mini-tts``)
  are estimated: input text tokens, and audio tokens from the returned audio's duration.
- Transcription: seconds of audio at ``per_second`` (the upstream's duration when it reports one,
  else the file's own, see ``audio_duration``); token-priced models without ``per_second`` by the
  tokens the response reports.

``worst_*`` give the most a request can cost, reserved against budgets before the upstream call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from spidergate.catalog.images import image_price
from spidergate.catalog.model import ModelInfo
from spidergate.serve.audio_duration import Duration, audio_duration
from spidergate.usage.counts import Usage
from spidergate.usage.pricing import cost

_MICRO = Decimal("0.0000000001")
# OpenAI's GPT Image output tokens for one 1024x1024 image by quality (scaled by area for others).
IMAGE_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160}
# Audio tokens a second: gpt-4o-mini-tts output (about $0.015 a minute at $12 per million tokens)
# and GPT transcription input. Estimates, used only when a response reports no usage.
SPEECH_TOKENS_PER_SECOND = 21
TRANSCRIBE_TOKENS_PER_SECOND = 10
_SIZE = re.compile(r"^(\d+)x(\d+)$")


@dataclass(frozen=True, slots=True)
class Charge:
    """The usage to record and its cost."""

    usage: Usage
    cost: Decimal


def _q(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(_MICRO)


def token_priced(model: ModelInfo) -> bool:
    return bool(model.prices.input or model.prices.output)


def token_cost(model: ModelInfo, usage: Usage) -> Decimal:
    """The cost of ``usage``'s token classes alone (media units left out)."""
    return cost(model, replace(usage, images=0, characters=0, seconds=0.0))


def image_tokens(size: str | None, quality: str | None) -> int:
    """Output tokens of one GPT image (``auto`` or unknown: high quality, 1536x1024)."""
    per_megapixel = IMAGE_TOKENS_1024.get(quality or "high", IMAGE_TOKENS_1024["high"])
    found = _SIZE.match(size or "")
    area = int(found.group(1)) * int(found.group(2)) if found else 1536 * 1024
    return math.ceil(per_megapixel * area / (1024 * 1024))


def image_charge(
    model: ModelInfo, reported: Usage, images: int, size: str | None, quality: str | None, prompt_tokens: int
) -> Charge:
    """Cost of ``images`` generated images, from the response's ``reported`` token usage or the catalog."""
    if token_priced(model) and (reported.prompt_tokens or reported.completion_tokens):
        usage = replace(reported, images=images)
        return Charge(usage, token_cost(model, usage))
    price = image_price(model, size, quality)
    if price:
        return Charge(replace(reported, images=images), _q(price * images))
    if token_priced(model):
        usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=images * image_tokens(size, quality),
            images=images,
            estimated=True,
        )
        return Charge(usage, token_cost(model, usage))
    return Charge(replace(reported, images=images), Decimal(0))


def worst_image(
    model: ModelInfo, images: int, size: str | None, quality: str | None, prompt_tokens: int
) -> Decimal:
    """The most ``images`` images can cost on ``model``."""
    per_image = image_price(model, size, quality) or Decimal(0)
    by_tokens = Decimal(0)
    if token_priced(model):
        tokens = image_tokens(size, quality if quality in IMAGE_TOKENS_1024 else "high")
        by_tokens = token_cost(model, Usage(prompt_tokens=prompt_tokens, completion_tokens=images * tokens))
    return _q(max(per_image * images, by_tokens))


def speech_charge(model: ModelInfo, characters: int, prompt_tokens: int, audio: bytes, fmt: str) -> Charge:
    """Cost of speaking ``characters`` characters that came back as ``audio`` in format ``fmt``."""
    p = model.prices
    if p.per_character or not token_priced(model):
        usage = Usage(characters=characters)
        return Charge(usage, _q(characters * (p.per_character or Decimal(0))))
    seconds = audio_duration(audio, fmt).seconds
    usage = Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=math.ceil(seconds * SPEECH_TOKENS_PER_SECOND),
        characters=characters,
        seconds=round(seconds, 3),
        estimated=True,
    )
    return Charge(usage, token_cost(model, usage))


def worst_speech(model: ModelInfo, characters: int, prompt_tokens: int, speed: float) -> Decimal:
    """The most speaking ``characters`` characters can cost (at most ~5 characters a second of audio)."""
    p = model.prices
    if p.per_character or not token_priced(model):
        return _q(characters * (p.per_character or Decimal(0)))
    seconds = characters / 5 / max(speed, 0.25)
    tokens = math.ceil(seconds * SPEECH_TOKENS_PER_SECOND)
    return token_cost(model, Usage(prompt_tokens=prompt_tokens, completion_tokens=tokens))


def transcription_charge(model: ModelInfo, reported: Usage, audio: Duration) -> Charge:
    """Cost of a transcription: ``reported`` is the response's usage (tokens and/or seconds), ``audio``
    the file's own duration, used when the response reports none."""
    seconds, exact = (reported.seconds, True) if reported.seconds > 0 else (audio.seconds, audio.exact)
    seconds = round(seconds, 3)
    p = model.prices
    if p.per_second:
        usage = replace(reported, seconds=seconds, estimated=not exact)
        return Charge(usage, _q(Decimal(str(seconds)) * p.per_second))
    if token_priced(model) and (reported.prompt_tokens or reported.completion_tokens):
        usage = replace(reported, seconds=seconds)
        return Charge(usage, token_cost(model, usage))
    if token_priced(model):
        usage = Usage(
            prompt_tokens=math.ceil(seconds * TRANSCRIBE_TOKENS_PER_SECOND), seconds=seconds, estimated=True
        )
        return Charge(usage, token_cost(model, usage))
    return Charge(replace(reported, seconds=seconds, estimated=not exact), Decimal(0))


def worst_transcription(model: ModelInfo, audio: Duration, size: int, prompt_tokens: int) -> Decimal:
    """The most transcribing a file can cost: its exact duration, else as if it were 16 kbit/s audio."""
    seconds = audio.seconds if audio.exact else max(audio.seconds, size / 2000)
    p = model.prices
    if p.per_second:
        return _q(Decimal(str(round(seconds, 3))) * p.per_second)
    tokens_in = prompt_tokens + math.ceil(seconds * TRANSCRIBE_TOKENS_PER_SECOND)
    tokens_out = math.ceil(seconds * 4) + 16  # speech runs at about three words a second
    return token_cost(model, Usage(prompt_tokens=tokens_in, completion_tokens=tokens_out))
