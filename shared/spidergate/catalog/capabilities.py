"""Capability names: what a model can do, as the catalog and ``GET /models?capability=`` name it."""

from __future__ import annotations

from spidergate.catalog.model import CHAT, EMBEDDING, IMAGE, SPEECH, TRANSCRIPTION

# The capability every model of a mode has (the endpoint it serves).
MODE_CAPABILITY: dict[str, str] = {
    CHAT: "chat",
    EMBEDDING: "embeddings",
    IMAGE: "image",
    SPEECH: "tts",
    TRANSCRIPTION: "stt",
}

# Source catalog flag -> our capability name (the refresh script derives capabilities with this).
FLAG_CAPABILITY: dict[str, str] = {
    "supports_vision": "vision",
    "supports_function_calling": "tools",
    "supports_tool_choice": "tool_choice",
    "supports_parallel_function_calling": "parallel_tools",
    "supports_response_schema": "json",
    "supports_reasoning": "reasoning",
    "supports_audio_input": "audio_input",
    "supports_audio_output": "audio_output",
    "supports_prompt_caching": "prompt_caching",
    "supports_web_search": "web_search",
    "supports_pdf_input": "pdf_input",
    "supports_video_input": "video_input",
    "supports_computer_use": "computer_use",
    "supports_output_config": "effort",  # Anthropic/Bedrock output_config.effort
    "supports_adaptive_thinking": "adaptive_thinking",  # Anthropic thinking {"type": "adaptive"}
}

# Source flags that are false where a model refuses something most of its family accepts. The
# refresh script lists them as ``refuses``; the adapters then leave those fields out.
FLAG_REFUSAL: dict[str, str] = {
    "supports_sampling_params": "sampling_params",  # temperature / top_p / top_k give a 400
    "supports_assistant_prefill": "assistant_prefill",  # a trailing assistant turn gives a 400
}
REFUSALS: frozenset[str] = frozenset(FLAG_REFUSAL.values())

CAPABILITIES: frozenset[str] = frozenset(MODE_CAPABILITY.values()) | frozenset(FLAG_CAPABILITY.values())
