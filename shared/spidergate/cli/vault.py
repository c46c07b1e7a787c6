"""``spidergate vault add | list | disable | enable | remove``: a brand's pooled provider keys."""

from __future__ import annotations

import argparse
import hmac
import sys
from decimal import Decimal

from spidergate.cli.output import Outcome, json_option, table
from spidergate.cli.services import Services, check_provider
from spidergate.domain import ProviderKey
from spidergate.errors import InvalidRequest


def _key_material(args: argparse.Namespace) -> str:
    key = sys.stdin.read().strip() if args.api_key_stdin else args.api_key
    if not key:
        raise InvalidRequest("the API key is empty", param="api_key")
    return str(key)


def _describe(key: ProviderKey) -> str:
    return f"{key.key_id} [{key.provider}] {key.label} ({key.masked}), {key.status}"


def _same_material(services: Services, brand_id: str, provider: str, material: str) -> list[ProviderKey]:
    """The brand's keys of ``provider`` already holding ``material`` (compared in constant time)."""
    found = []
    for key in services.vault.list(brand_id, provider):
        if hmac.compare_digest(services.vault.material(key).encode(), material.encode()):
            found.append(key)
    return found


def add(args: argparse.Namespace, services: Services) -> Outcome:
    provider = check_provider(args.provider)
    material = _key_material(args)
    services.records.require_brand(args.brand)
    duplicates = _same_material(services, args.brand, provider, material)
    key = services.vault.add(
        args.brand,
        provider,
        material,
        label=args.label,
        base_url=args.base_url,
        priority=args.priority,
        monthly_cap_usd=args.monthly_cap_usd,
        monthly_token_cap=args.monthly_token_cap,
        free_tier=args.free_tier,
    )
    lines = [f"Added {_describe(key)}."]
    data = key.model_dump(mode="json")
    if duplicates:
        ids = ", ".join(k.key_id for k in duplicates)
        lines.append(
            f"Warning: the same key material is already stored as {ids}; the pool now counts one "
            "account twice (its rate limits and quota are shared). Remove one with `vault remove`."
        )
        data["duplicate_of"] = [k.key_id for k in duplicates]
    return Outcome(data, lines)


def list_keys(args: argparse.Namespace, services: Services) -> Outcome:
    services.records.require_brand(args.brand)
    keys = services.vault.list(args.brand, args.provider)
    rows = [
        [k.key_id, k.provider, k.label, k.masked, k.status, str(k.priority), k.base_url or "-"] for k in keys
    ]
    headers = ["KEY", "PROVIDER", "LABEL", "KEY MATERIAL", "STATUS", "PRIORITY", "BASE URL"]
    lines = table(rows, headers) if keys else ["No keys."]
    return Outcome({"object": "list", "data": [k.model_dump(mode="json") for k in keys]}, lines)


def disable(args: argparse.Namespace, services: Services) -> Outcome:
    key = services.vault.disable(args.brand, args.key, args.reason)
    return Outcome(key.model_dump(mode="json"), [f"Disabled {_describe(key)}."])


def enable(args: argparse.Namespace, services: Services) -> Outcome:
    key = services.vault.enable(args.brand, args.key)
    return Outcome(key.model_dump(mode="json"), [f"Enabled {_describe(key)}."])


def remove(args: argparse.Namespace, services: Services) -> Outcome:
    services.vault.remove(args.brand, args.key)
    data = {"key_id": args.key, "brand_id": args.brand, "removed": True}
    return Outcome(data, [f"Removed key {args.key}; its secret is scheduled for deletion (7-day recovery)."])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("vault", help="pooled provider keys").add_subparsers(
        dest="command", required=True
    )
    cmd = group.add_parser("add", parents=[json_option()], help="store a provider key")
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--provider", required=True, help="a catalog provider name (openai, anthropic, …)")
    material = cmd.add_mutually_exclusive_group(required=True)
    material.add_argument("--api-key", help="the key (visible in shell history: prefer --api-key-stdin)")
    material.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")
    cmd.add_argument("--label", default="")
    cmd.add_argument("--base-url", help="override the provider's URL (private addresses need permission)")
    cmd.add_argument("--priority", type=int, default=100, help="lower is tried first (default 100)")
    cmd.add_argument("--monthly-cap-usd", type=Decimal)
    cmd.add_argument("--monthly-token-cap", type=int)
    cmd.add_argument("--free-tier", action="store_true")
    cmd.set_defaults(run=add)
    cmd = group.add_parser("list", parents=[json_option()], help="list a brand's keys (masked)")
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--provider")
    cmd.set_defaults(run=list_keys)
    for action, run, text in (
        ("disable", disable, "take a key out of rotation"),
        ("enable", enable, "put a key back into rotation"),
        ("remove", remove, "delete a key"),
    ):
        cmd = group.add_parser(action, parents=[json_option()], help=text)
        cmd.add_argument("--brand", required=True)
        cmd.add_argument("--key", required=True, help="key id (pk_…)")
        if action == "disable":
            cmd.add_argument("--reason", default="disabled by operator")
        cmd.set_defaults(run=run)
