"""``spidergate agent create | list | revoke``."""

from __future__ import annotations

import argparse
from decimal import Decimal

from spidergate.cli.output import Outcome, json_option, table
from spidergate.cli.services import Services
from spidergate.domain import Agent, Budgets, Limits


def create(args: argparse.Namespace, services: Services) -> Outcome:
    limits = Limits(rpm=args.rpm, tpm=args.tpm, concurrency=args.concurrency)
    budgets = Budgets(daily_usd=args.daily_usd, monthly_usd=args.monthly_usd)
    agent, cred = services.records.create_agent(args.brand, args.name, limits, budgets)
    credentials = {
        "client_id": cred.client_id,
        "api_key": cred.api_key,
        "api_secret": cred.api_secret,
        "bearer": cred.bearer,
    }
    lines = [
        f"Created agent {agent.agent_id} ({agent.name}) in brand {agent.brand_id}.",
        "Credentials, shown this once (only a hash of the secret is stored):",
        f"  client_id:  {cred.client_id}",
        f"  api_key:    {cred.api_key}",
        f"  api_secret: {cred.api_secret}",
        f"  header:     Authorization: Bearer {cred.bearer}",
    ]
    return Outcome({"agent": agent.model_dump(mode="json"), "credentials": credentials}, lines)


def list_agents(args: argparse.Namespace, services: Services) -> Outcome:
    services.records.require_brand(args.brand)
    agents: list[Agent] = []
    cursor = None
    while True:
        page, cursor = services.records.list_agents(args.brand, cursor=cursor)
        agents.extend(page)
        if not cursor:
            break
    rows = [
        [a.agent_id, a.name, a.status, _limits(a.limits), _limits(a.budgets), a.created_at] for a in agents
    ]
    headers = ["AGENT", "NAME", "STATUS", "LIMITS", "BUDGETS (USD)", "CREATED"]
    lines = table(rows, headers) if agents else ["No agents."]
    return Outcome({"object": "list", "data": [a.model_dump(mode="json") for a in agents]}, lines)


def revoke(args: argparse.Namespace, services: Services) -> Outcome:
    services.records.revoke_agent(args.brand, args.agent)
    data = {"agent_id": args.agent, "brand_id": args.brand, "status": "revoked"}
    return Outcome(data, [f"Revoked agent {args.agent} and all its credentials."])


def _limits(limits: Limits | Budgets) -> str:
    parts = [f"{k}={v}" for k, v in limits.model_dump().items() if v is not None]
    return ",".join(parts) or "-"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("agent", help="agents and their credentials").add_subparsers(
        dest="command", required=True
    )
    cmd = group.add_parser(
        "create", parents=[json_option()], help="create an agent; prints its credentials once"
    )
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--name", required=True)
    cmd.add_argument("--rpm", type=int, help="requests per minute")
    cmd.add_argument("--tpm", type=int, help="tokens per minute")
    cmd.add_argument("--concurrency", type=int, help="requests in flight")
    cmd.add_argument("--daily-usd", type=Decimal, help="daily spend ceiling")
    cmd.add_argument("--monthly-usd", type=Decimal, help="monthly spend ceiling")
    cmd.set_defaults(run=create)
    cmd = group.add_parser("list", parents=[json_option()], help="list a brand's agents")
    cmd.add_argument("--brand", required=True)
    cmd.set_defaults(run=list_agents)
    cmd = group.add_parser("revoke", parents=[json_option()], help="revoke an agent and its credentials")
    cmd.add_argument("--brand", required=True)
    cmd.add_argument("--agent", required=True)
    cmd.set_defaults(run=revoke)
