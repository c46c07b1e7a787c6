"""Validate wire objects against the official OpenAI OpenAPI spec (tests only; never at run time).

The spec is OpenAPI 3.1 but still marks optional values with 3.0's ``nullable: true``; that is
rewritten to ``anyOf [schema, null]`` so a plain JSON Schema 2020-12 validator can read it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = (
    Path(__file__).resolve().parents[3] / "shared" / "specs" / "openai-openapi.yaml"
)  # ../shared beside the repo


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _registry() -> tuple[Registry, dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = _nullable(yaml.load(SPEC.read_text(), Loader=loader))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return Registry().with_resource("spec", resource), spec


def available() -> bool:
    return SPEC.exists()


def errors(component: str, instance: Any) -> list[str]:
    """Messages for every way ``instance`` breaks ``#/components/schemas/<component>``."""
    registry, spec = _registry()
    if component not in spec["components"]["schemas"]:
        raise KeyError(component)
    validator = Draft202012Validator({"$ref": f"spec#/components/schemas/{component}"}, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]
