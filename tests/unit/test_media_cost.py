"""What images, speech and transcriptions cost, by the unit the catalog prices each model in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spidergate.catalog.model import IMAGE, SPEECH, TRANSCRIPTION, ModelInfo, Prices
from spidergate.local.sandbox import audio_formats
from spidergate.serve.audio_duration import Duration
from spidergate.serve.media_cost import (
    IMAGE_TOKENS_1024,
    SPEECH_TOKENS_PER_SECOND,
    image_charge,
    image_tokens,
    speech_charge,
    transcription_charge,
    worst_image,
    worst_speech,
    worst_transcription,
)
from spidergate.usage.counts import Usage

D = Decimal
DALL_E_3 = ModelInfo(
    id="openai/dall-e-3",
    provider="openai",
    model="dall-e-3",
    mode=IMAGE,
    prices=Prices(
        per_image=D("0.12"),
        image_prices=(
            ("1024x1024/standard", D("0.04")),
            ("1024x1024/hd", D("0.08")),
            ("1792x1024/standard", D("0.08")),
            ("1792x1024/hd", D("0.12")),
        ),
    ),
)
GPT_IMAGE_1 = ModelInfo(
    id="openai/gpt-image-1",
    provider="openai",
    model="gpt-image-1",
    mode=IMAGE,
    prices=Prices(
        input=D("0.000005"),
        output=D("0.00004"),
        per_image=D("0.25"),
        image_prices=(("1024x1024/low", D("0.011")), ("1024x1024/high", D("0.167"))),
    ),
)
GPT_IMAGE_2 = ModelInfo(
    id="openai/gpt-image-2",
    provider="openai",
    model="gpt-image-2",
    mode=IMAGE,
    prices=Prices(input=D("0.000005"), output=D("0.00003")),
)
TTS_1 = ModelInfo(
    id="openai/tts-1",
    provider="openai",
    model="tts-1",
    mode=SPEECH,
    prices=Prices(per_character=D("0.000015")),
)
MINI_TTS = ModelInfo(
    id="openai/gpt-4o-mini-tts",
    provider="openai",
    model="gpt-4o-mini-tts",
    mode=SPEECH,
    prices=Prices(input=D("0.0000006"), output=D("0.00001")),
)
WHISPER = ModelInfo(
    id="openai/whisper-1",
    provider="openai",
    model="whisper-1",
    mode=TRANSCRIPTION,
    prices=Prices(per_second=D("0.0001")),
)
GPT_STT = ModelInfo(
    id="azure/gpt-4o-mini-transcribe",
    provider="azure",
    model="gpt-4o-mini-transcribe",
    mode=TRANSCRIPTION,
    prices=Prices(input=D("0.00000125"), output=D("0.000005")),
)


# -- images ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "quality", "each"),
    [
        ("1024x1024", "standard", "0.04"),
        ("1024x1024", "hd", "0.08"),
        ("1792x1024", "hd", "0.12"),
        (None, "standard", "0.04"),
    ],
)
def test_dall_e_priced_per_image_by_size_and_quality(size: str | None, quality: str, each: str) -> None:
    charge = image_charge(DALL_E_3, Usage(), 1, size, quality, prompt_tokens=5)
    assert charge.cost == D(each)
    assert charge.usage.images == 1 and not charge.usage.estimated


def test_per_image_times_the_images_returned() -> None:
    assert image_charge(DALL_E_3, Usage(), 3, "1792x1024", "standard", 5).cost == D("0.24")


def test_gpt_image_billed_by_reported_tokens_not_per_image() -> None:
    reported = Usage(prompt_tokens=10, completion_tokens=4160)
    charge = image_charge(GPT_IMAGE_1, reported, 1, "1024x1024", "high", prompt_tokens=3)
    assert charge.cost == D("10") * D("0.000005") + D("4160") * D("0.00004")
    assert (charge.usage.prompt_tokens, charge.usage.completion_tokens, charge.usage.images) == (10, 4160, 1)


def test_gpt_image_without_usage_falls_back_to_the_size_table() -> None:
    assert image_charge(GPT_IMAGE_1, Usage(), 2, "1024x1024", "low", 3).cost == D("0.022")


def test_token_priced_image_without_usage_or_table_is_an_estimate() -> None:
    charge = image_charge(GPT_IMAGE_2, Usage(), 1, "1024x1024", "medium", prompt_tokens=20)
    assert charge.usage.estimated
    assert charge.usage.completion_tokens == IMAGE_TOKENS_1024["medium"]
    assert charge.cost == 20 * D("0.000005") + IMAGE_TOKENS_1024["medium"] * D("0.00003")


def test_image_tokens_scale_with_area() -> None:
    assert image_tokens("1024x1536", "high") == 6240  # OpenAI's published count
    assert image_tokens("1536x1024", "low") == 408
    assert image_tokens("auto", None) == 6240


def test_worst_image_covers_the_actual_charge() -> None:
    for model, size, quality in [
        (DALL_E_3, "1792x1024", "hd"),
        (GPT_IMAGE_1, "1024x1024", "high"),
        (GPT_IMAGE_2, "1024x1536", None),
    ]:
        worst = worst_image(model, 2, size, quality, prompt_tokens=10)
        actual = image_charge(
            model, Usage(prompt_tokens=10, completion_tokens=2 * 4160), 2, size, quality, 10
        )
        assert worst >= actual.cost > 0


# -- speech ---------------------------------------------------------------------------------


def test_speech_per_character() -> None:
    charge = speech_charge(TTS_1, characters=1000, prompt_tokens=250, audio=b"...", fmt="mp3")
    assert charge.cost == D("0.015")
    assert charge.usage.characters == 1000 and not charge.usage.estimated
    assert worst_speech(TTS_1, 1000, 250, 1.0) == charge.cost


def test_token_priced_speech_is_estimated_from_the_audio_duration() -> None:
    audio = audio_formats.wav(audio_formats.pcm(2.0, 300))
    charge = speech_charge(MINI_TTS, characters=40, prompt_tokens=10, audio=audio, fmt="wav")
    assert charge.usage.estimated
    assert charge.usage.seconds == pytest.approx(2.0)
    assert charge.usage.completion_tokens == 2 * SPEECH_TOKENS_PER_SECOND
    assert charge.cost == 10 * D("0.0000006") + 2 * SPEECH_TOKENS_PER_SECOND * D("0.00001")
    assert worst_speech(MINI_TTS, 40, 10, 1.0) >= charge.cost


# -- transcription --------------------------------------------------------------------------


def test_transcription_uses_the_upstream_duration_first() -> None:
    charge = transcription_charge(WHISPER, Usage(seconds=12.5), Duration(99.0, False))
    assert charge.cost == D("0.00125")
    assert charge.usage.seconds == 12.5 and not charge.usage.estimated


def test_transcription_of_wav_without_reported_duration_is_exact() -> None:
    charge = transcription_charge(WHISPER, Usage(), Duration(7.25, True))
    assert charge.cost == D("0.000725") and not charge.usage.estimated


def test_transcription_of_other_formats_is_flagged_estimated() -> None:
    charge = transcription_charge(WHISPER, Usage(), Duration(30.0, False))
    assert charge.cost == D("0.003") and charge.usage.estimated


def test_token_priced_transcription_uses_reported_tokens() -> None:
    reported = Usage(prompt_tokens=100, completion_tokens=20)
    charge = transcription_charge(GPT_STT, reported, Duration(10.0, True))
    assert charge.cost == 100 * D("0.00000125") + 20 * D("0.000005")
    assert charge.usage.seconds == 10.0


def test_worst_transcription_covers_an_estimated_file() -> None:
    audio = Duration(10.0, False)
    worst = worst_transcription(WHISPER, audio, size=400_000, prompt_tokens=0)
    assert worst == D("0.02")  # 400 kB as if 16 kbit/s: 200 s
    assert worst >= transcription_charge(WHISPER, Usage(), audio).cost
    exact = Duration(10.0, True)
    assert worst_transcription(WHISPER, exact, size=400_000, prompt_tokens=0) == D("0.001")
