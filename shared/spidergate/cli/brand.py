"""``spidergate brand create``."""

from __future__ import annotations

import argparse

from spidergate.cli.output import Outcome, json_option
from spidergate.cli.services import Services


def create(args: argparse.Namespace, services: Services) -> Outcome:
    brand = services.records.create_brand(args.name, brand_id=args.id)
    return Outcome(brand.model_dump(mode="json"), [f"Created brand {brand.brand_id} ({brand.name})."])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("brand", help="brands").add_subparsers(dest="command", required=True)
    cmd = group.add_parser("create", parents=[json_option()], help="create a brand")
    cmd.add_argument("--name", required=True)
    cmd.add_argument("--id", help="brand id (default: generated brd_…)")
    cmd.set_defaults(run=create)
