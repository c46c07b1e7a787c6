"""Price of one generated image by size and quality, from a model's ``image_prices`` table."""

from __future__ import annotations

from decimal import Decimal

from spidergate.catalog.model import ModelInfo

DEFAULT_SIZE = "1024x1024"  # OpenAI's default size for every image model
DEFAULT_QUALITY = "standard"  # DALL-E's default; GPT Image defaults to "auto"


def image_price(model: ModelInfo, size: str | None = None, quality: str | None = None) -> Decimal | None:
    """USD for one image of ``size`` (``"1024x1792"``) and ``quality`` (``"hd"``, ``"low"``, ...).

    Without a table this is the model's flat ``per_image``. With one: an exact ``size/quality``
    entry, else the size's own entry, else (``None``/``"auto"`` size or quality, or a combination
    the table lacks) the dearest candidate, and ``per_image`` (the ceiling) when nothing matches.
    The images endpoint should prefer the token usage a response reports (GPT Image models) and
    use this when there is none.
    """
    table = dict(model.prices.image_prices)
    if not table:
        return model.prices.per_image
    size = DEFAULT_SIZE if size is None else size
    if quality is not None and f"{size}/{quality}" in table:
        return table[f"{size}/{quality}"]
    if size in table:
        return table[size]
    if quality is None and f"{size}/{DEFAULT_QUALITY}" in table:
        return table[f"{size}/{DEFAULT_QUALITY}"]
    sized = [price for label, price in table.items() if label.split("/")[0] == size]
    if sized and (quality is None or quality == "auto"):
        return max(sized)
    return model.prices.per_image
