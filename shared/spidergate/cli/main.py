"""``spidergate``: the operator CLI's entry point (console script ``spidergate.cli.main:main``).

Exit status: 0 on success, 1 when the operation failed, 2 on a usage error. Errors go to stderr:
one ``error [code]: message`` line, or with ``--json`` the OpenAI error body
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from pydantic import ValidationError

from spidergate.cli import agent, brand, pat, vault
from spidergate.cli.output import emit, fail
from spidergate.cli.services import Services
from spidergate.errors import GatewayError, InvalidRequest, NotFound
from spidergate.settings import get_settings


class UsageError(Exception):
    """A command line argparse refused; reported like every other error, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> Parser:
    parser = Parser(prog="spidergate", description="Manage SpiderGate brands, agents, PATs and vault keys.")
    parser.add_argument("--json", action="store_true", default=False, help="print one JSON document")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (brand, agent, pat, vault):
        module.register(commands)
    return parser


def aws_error(exc: Exception, services: Services) -> GatewayError | None:
    """An AWS SDK failure as a gateway error (recognised by shape: botocore is imported lazily)."""
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError"):
        return GatewayError(
            f"AWS is not configured: {exc}. Use the default credential chain (or the local stack)."
        )
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"):
        return GatewayError(f"Cannot reach AWS: {exc}")
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = response["Error"].get("Code", "")
        if code == "ResourceNotFoundException":
            table = services.settings.vault_table
            return NotFound(
                f"AWS resource not found ({table} or its secrets): {response['Error'].get('Message')}"
            )
        return GatewayError(f"AWS error {code}: {response['Error'].get('Message', '')}")
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        fail(InvalidRequest(str(exc)), "--json" in argv)
        sys.exit(2)
    services = Services(get_settings())
    try:
        outcome = args.run(args, services)
    except GatewayError as exc:
        fail(exc, args.json)
        return 1
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        fail(InvalidRequest(problems), args.json)
        return 1
    except Exception as exc:
        error = aws_error(exc, services)
        if error is None:
            raise
        fail(error, args.json)
        return 1
    emit(outcome, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
