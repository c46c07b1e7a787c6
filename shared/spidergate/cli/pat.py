"""``spidergate pat create | revoke``: personal access tokens acting as an agent."""

from __future__ import annotations

import argparse

from spidergate.cli.output import Outcome, json_option
from spidergate.cli.services import Services


def create(args: argparse.Namespace, services: Services) -> Outcome:
    pat_id, token = services.records.create_pat(args.brand, args.agent, args.name)
    data = {
        "pat_id": pat_id,
        "token": token,
        "brand_id": args.brand,
        "agent_id": args.agent,
        "name": args.name,
    }
    lines = [
        f"Created PAT {pat_id} acting as agent {args.agent}.",
        "Token, shown this once (only its hash is stored):",
        f"  {token}",
    ]
    return Outcome(data, lines)


def revoke(args: argparse.Namespace, services: Services) -> Outcome:
    services.records.revoke_pat(args.brand, args.pat)
    return Outcome({"pat_id": args.pat, "status": "revoked"}, [f"Revoked PAT {args.pat}."])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("pat", help="personal access tokens").add_subparsers(
        dest="command", required=True
    )
    cmd = group.add_parser("create", parents=[json_option()], help="create a PAT; prints the token once")
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--agent", required=True)
    cmd.add_argument("--name", default="")
    cmd.set_defaults(run=create)
    cmd = group.add_parser("revoke", parents=[json_option()], help="revoke a PAT")
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--pat", required=True)
    cmd.set_defaults(run=revoke)
