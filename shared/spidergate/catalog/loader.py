"""Read the packaged catalog data (``catalog/data/*.json``) into records, once per process."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

from spidergate.catalog.aliases import CatalogDataError, parse_aliases
from spidergate.catalog.capabilities import CAPABILITIES, MODE_CAPABILITY, REFUSALS
from spidergate.catalog.index import Catalog
from spidergate.catalog.model import ModelInfo, Prices

if TYPE_CHECKING:
    from spidergate.providers.base import ProviderDef

DATA_FILES = ("models.json", "providers.json", "aliases.json")
_PRICE_FIELDS = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "reasoning",
    "per_image",
    "per_character",
    "per_second",
)


def read_data_files() -> dict[str, bytes]:
    """The packaged data files' bytes by name."""
    data = resources.files("spidergate.catalog").joinpath("data")
    return {name: data.joinpath(name).read_bytes() for name in DATA_FILES}


def load_catalog(files: Mapping[str, bytes] | None = None) -> Catalog:
    """Build the catalog from the packaged data files (or the given bytes, for tests)."""
    raw = dict(files) if files is not None else read_data_files()
    models_doc = json.loads(raw["models.json"])
    models = tuple(parse_model(model_id, record) for model_id, record in models_doc["models"].items())
    by_id = {model.id: model for model in models}
    providers = parse_providers(json.loads(raw["providers.json"]))
    unknown = {model.provider for model in models} - providers.keys()
    if unknown:
        raise CatalogDataError(f"models name providers missing from providers.json: {sorted(unknown)}")
    aliases = parse_aliases(json.loads(raw["aliases.json"]), by_id)
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(hashlib.sha256(raw[name]).digest())
    source = {str(k): str(v) for k, v in models_doc["source"].items()}
    return Catalog(
        models=models,
        providers=providers,
        aliases=aliases,
        etag=digest.hexdigest()[:32],
        source=source,
        created=_timestamp(source.get("date")),
    )


def parse_model(model_id: str, record: Mapping[str, Any]) -> ModelInfo:
    """One ``models.json`` entry as a ``ModelInfo``."""
    provider, model = record["provider"], record["model"]
    if model_id != f"{provider}/{model}":
        raise CatalogDataError(f"{model_id}: id is not provider/model")
    mode = record["mode"]
    capabilities = frozenset(record["capabilities"])
    refuses = frozenset(record.get("refuses", ()))
    if mode not in MODE_CAPABILITY or not capabilities <= CAPABILITIES or not refuses <= REFUSALS:
        raise CatalogDataError(f"{model_id}: unknown mode, capabilities or refusals")
    raw_prices = record["prices"]
    prices = Prices(
        **{name: Decimal(raw_prices[name]) for name in _PRICE_FIELDS if name in raw_prices},
        image_prices=tuple(
            (label, Decimal(price)) for label, price in record.get("image_prices", {}).items()
        ),
    )
    return ModelInfo(
        id=model_id,
        provider=provider,
        model=model,
        mode=mode,
        context_window=record.get("context_window"),
        max_output=record.get("max_output"),
        prices=prices,
        capabilities=capabilities,
        deprecation_date=record.get("deprecation_date"),
        refuses=refuses,
    )


def parse_providers(document: Mapping[str, Any]) -> dict[str, ProviderDef]:
    """``providers.json`` as ``ProviderDef`` records, by name."""
    # Imported here: providers.base imports catalog.model, so a module-level import would cycle.
    from spidergate.providers.base import ProviderDef

    providers: dict[str, ProviderDef] = {}
    for name, raw in document["providers"].items():
        providers[name] = ProviderDef(
            name=name,
            display_name=raw["display_name"],
            wire=raw["wire"],
            base_url=raw.get("base_url"),
            auth=raw.get("auth", "bearer"),
            free_tier=raw.get("free_tier", False),
            self_hosted=raw.get("self_hosted", False),
            drop_params=frozenset(raw.get("drop_params", ())),
            rename_params=tuple(raw.get("rename_params", {}).items()),
            reasoning_rename_params=tuple(raw.get("reasoning_rename_params", {}).items()),
            reject_params=tuple((k, tuple(v)) for k, v in sorted(raw.get("reject_params", {}).items())),
            translate_params=(
                frozenset(raw["translate_params"]) if raw.get("translate_params") is not None else None
            ),
            drop_message_fields=frozenset(raw.get("drop_message_fields", ())),
            thinking_excludes_params=frozenset(raw.get("thinking_excludes_params", ())),
            stream_usage_option=raw.get("stream_usage_option", True),
            extra_body=tuple(sorted(raw.get("extra_body", {}).items())),
            api_version=raw.get("api_version"),
        )
    return providers


def _timestamp(date: str | None) -> int:
    """The source's date as a Unix time: every model's stable ``created``."""
    if not date:
        return 0
    return int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp())
