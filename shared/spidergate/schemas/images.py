"""Image-generation requests, after ``CreateImageRequest`` in the OpenAI spec, and per-model rules.

Rules by model family (the upstream model name, so Azure deployments named alike follow them):

- ``dall-e-2``: ``n`` 1-10; ``size`` 256x256, 512x512 or 1024x1024; ``quality`` standard.
- ``dall-e-3``: ``n`` = 1; ``size`` 1024x1024, 1792x1024 or 1024x1792; ``quality`` standard or hd;
  ``style`` vivid or natural.
- GPT Image (``gpt-image-*``, ``chatgpt-image-*``): ``size`` 1024x1024, 1536x1024, 1024x1536 or
  auto (version 2 and later: any ``WxH`` with both sides multiples of 16, aspect ratio within 1:3
  and 3:1, at most 3840 pixels a side and 3840x2160 in area); ``quality`` low, medium, high or
  auto; always base64: ``response_format`` url is refused, b64_json is accepted and not forwarded.
- Other providers' image models: only the generic checks (types and ranges); the upstream decides.

A request that breaks a rule is a 400 naming the parameter, before any routing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spidergate.catalog.model import ModelInfo
from spidergate.errors import InvalidRequest

# The model used when a request names none: the gateway's image task alias (OpenAI's own default,
# dall-e-2, is deprecated in the catalog).
DEFAULT_MODEL = "image"
GATEWAY_FIELDS = frozenset({"include_route_trace"})
_GPT_ONLY = ("output_format", "output_compression", "background", "moderation")
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_GPT_IMAGE = re.compile(r"^(?:chatgpt-image|gpt-image-(\d+))")


@dataclass(frozen=True, slots=True)
class ImageFamily:
    """What one family of image models accepts."""

    name: str
    sizes: frozenset[str] | None  # None: any size (checked by the upstream)
    qualities: frozenset[str] | None
    max_n: int = 10
    max_prompt: int = 32000
    url_output: bool = True  # takes response_format=url
    styles: bool = False
    gpt_options: bool = False  # output_format, output_compression, background, moderation
    free_sizes: bool = False  # any WxH within the GPT Image 2 limits
    default_quality: str | None = None


DALL_E_2 = ImageFamily(
    "dall-e-2",
    frozenset({"256x256", "512x512", "1024x1024"}),
    frozenset({"standard"}),
    max_prompt=1000,
    default_quality="standard",
)
DALL_E_3 = ImageFamily(
    "dall-e-3",
    frozenset({"1024x1024", "1792x1024", "1024x1792"}),
    frozenset({"standard", "hd"}),
    max_n=1,
    max_prompt=4000,
    styles=True,
    default_quality="standard",
)
GPT_IMAGE = ImageFamily(
    "gpt-image",
    frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"}),
    frozenset({"low", "medium", "high", "auto"}),
    url_output=False,
    gpt_options=True,
)
GPT_IMAGE_FREE_SIZE = ImageFamily(
    "gpt-image-2",
    GPT_IMAGE.sizes,
    GPT_IMAGE.qualities,
    url_output=False,
    gpt_options=True,
    free_sizes=True,
)
OTHER = ImageFamily("other", None, None)


def family_of(model: ModelInfo) -> ImageFamily:
    """The rules for ``model`` by its upstream name."""
    name = model.model
    if name.startswith("dall-e-3"):
        return DALL_E_3
    if name.startswith("dall-e-2"):
        return DALL_E_2
    found = _GPT_IMAGE.match(name)
    if found:
        version = found.group(1)
        return GPT_IMAGE_FREE_SIZE if version is not None and int(version) >= 2 else GPT_IMAGE
    return OTHER


def free_size_problem(size: str) -> str | None:
    """Why ``size`` is outside GPT Image 2's arbitrary-size limits, or None."""
    found = _SIZE.match(size)
    if not found:
        return "must be WIDTHxHEIGHT (e.g. 1536x864) or auto"
    width, height = int(found.group(1)), int(found.group(2))
    if width % 16 or height % 16:
        return "width and height must both be multiples of 16"
    if max(width, height) > 3 * min(width, height):
        return "the aspect ratio must be between 1:3 and 3:1"
    if max(width, height) > 3840 or width * height > 3840 * 2160:
        return "the largest supported size is 3840x2160"
    return None


class ImageRequest(BaseModel):
    """The OpenAI image-generation request; ``model`` may be a task alias (``image``, ``image-hd``)."""

    model_config = ConfigDict(extra="allow")

    prompt: str = Field(min_length=1, max_length=32000)
    model: str = Field(default=DEFAULT_MODEL, min_length=1)
    n: int | None = Field(default=None, ge=1, le=10)
    size: str | None = None
    quality: str | None = None
    response_format: Literal["url", "b64_json"] | None = None
    style: Literal["vivid", "natural"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    output_compression: int | None = Field(default=None, ge=0, le=100)
    background: Literal["transparent", "opaque", "auto"] | None = None
    moderation: Literal["low", "auto"] | None = None
    stream: bool | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _buffered(self) -> ImageRequest:
        if self.stream:
            raise ValueError("stream is not supported on /images/generations; leave it out")
        return self

    @property
    def count(self) -> int:
        return self.n or 1

    def problem_with(self, model: ModelInfo) -> InvalidRequest | None:
        """Why ``model`` cannot take this request (a 400 naming the parameter), or None."""
        family = family_of(model)
        name = model.model

        def bad(param: str, message: str) -> InvalidRequest:
            return InvalidRequest(f"Invalid `{param}` for `{name}`: {message}.", param=param)

        if self.count > family.max_n:
            return bad(
                "n", f"must be between 1 and {family.max_n}" if family.max_n > 1 else "only n=1 is supported"
            )
        if len(self.prompt) > family.max_prompt:
            return bad("prompt", f"must be at most {family.max_prompt} characters")
        if self.size is not None and family.sizes is not None and self.size not in family.sizes:
            why = (
                free_size_problem(self.size)
                if family.free_sizes
                else "must be one of " + _listed(family.sizes)
            )
            if why:
                return bad("size", why)
        if self.quality is not None and family.qualities is not None and self.quality not in family.qualities:
            return bad("quality", "must be one of " + _listed(family.qualities))
        if self.response_format == "url" and not family.url_output:
            return bad("response_format", "this model always returns b64_json; leave response_format out")
        if self.style is not None and not family.styles and family is not OTHER:
            return bad("style", "only dall-e-3 takes a style")
        if not family.gpt_options and family is not OTHER:
            for param in _GPT_ONLY:
                if getattr(self, param) is not None:
                    return bad(param, "only the GPT Image models take it")
        return None

    def upstream_body(self, payload: dict[str, Any], model: ModelInfo) -> dict[str, Any]:
        """The client's request for ``model`` (the adapter sets ``model``)."""
        body = {k: v for k, v in payload.items() if k not in GATEWAY_FIELDS}
        if not family_of(model).url_output:
            body.pop("response_format", None)  # b64_json is all these models return
        return body

    def priced_quality(self, model: ModelInfo) -> str | None:
        """The quality an image is priced at: the request's, else the family's default."""
        return self.quality or family_of(model).default_quality


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))
