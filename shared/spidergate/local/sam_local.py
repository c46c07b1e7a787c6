"""``sam local invoke`` against the local run: render ``events/*.json`` and write an ``--env-vars`` file.

    .venv/bin/python -m spidergate.local.sam_local event embeddings > .local/embeddings.json
    .venv/bin/python -m spidergate.local.sam_local env > .local/sam-env.json

``event`` fills an event's placeholders (``{{DEMO_TOKEN}}``, ``{{BRAND_ID}}``, ...) with the local
run's demo data: ``.local/demo.json`` (the demo agent) and ``.local/session.json`` (the dashboard
sign-in the running ``make run`` wrote). ``env`` points every function at that run's moto from
inside Docker (``host.docker.internal`` by default): endpoint, tables, bucket, secrets prefix, the
dashboard's Cognito pool. ``sam local`` only overrides variables the template declares, which is
why the template declares ``AWS_ENDPOINT_URL`` (empty, the AWS default, when deployed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from spidergate.local.seed import DEMO_AGENT_ID, DEMO_BRAND_ID
from spidergate.local.stack import LOCAL_REGION, LOCAL_STAGE, local_settings
from spidergate.settings import LocalRunSettings

PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
DOCKER_HOST = "host.docker.internal"
SESSION_FIELDS = ("id_token", "pool_id", "client_id", "issuer", "jwks_url")


class RenderError(Exception):
    """An event or env file cannot be produced (the message says what to do)."""


def placeholder_values(demo_file: Path, session_file: Path) -> dict[str, str]:
    """What each placeholder stands for in the local run (only what the files provide)."""
    values = {"BRAND_ID": DEMO_BRAND_ID, "AGENT_ID": DEMO_AGENT_ID}
    if demo_file.is_file():
        values["DEMO_TOKEN"] = str(json.loads(demo_file.read_text(encoding="utf-8"))["bearer"])
    if session_file.is_file():
        session = json.loads(session_file.read_text(encoding="utf-8"))
        values.update(
            COGNITO_ID_TOKEN=str(session["id_token"]),
            USER_POOL_ID=str(session["pool_id"]),
            COGNITO_CLIENT_ID=str(session["client_id"]),
        )
    return values


def render_event(text: str, values: dict[str, str]) -> str:
    """``text`` with every placeholder replaced; a placeholder without a value is an error."""
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise RenderError(
            f"No value for {', '.join(missing)}: start the local run (`make run`) once, which writes "
            ".local/demo.json and .local/session.json, then render again."
        )
    rendered = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    json.loads(rendered)  # still one JSON document
    return rendered


def find_event(name: str, events_dir: Path) -> Path:
    """``events/<name>.json`` (``name`` may also be a path to an event file)."""
    for candidate in (Path(name), events_dir / name, events_dir / f"{name}.json"):
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in events_dir.glob("*.json")))
    raise RenderError(f"No event {name!r}; known events: {known}.")


def env_vars(session_file: Path, *, host: str = DOCKER_HOST, moto_port: int | None = None) -> dict[str, Any]:
    """The ``--env-vars`` document: every function at the local run's moto, reached from Docker."""
    port = moto_port or LocalRunSettings().moto_port
    settings = local_settings()
    endpoint = f"http://{host}:{port}"
    common = {
        "AWS_ENDPOINT_URL": endpoint,
        "SPIDERGATE_REGION": LOCAL_REGION,
        "SPIDERGATE_STAGE": LOCAL_STAGE,
        "SPIDERGATE_VAULT_TABLE": settings.vault_table,
        "SPIDERGATE_USAGE_TABLE": settings.usage_table,
        "SPIDERGATE_UPLOAD_BUCKET": settings.upload_bucket,
        "SPIDERGATE_SECRETS_PREFIX": settings.secrets_prefix,
        "SPIDERGATE_ALLOW_PRIVATE_BASE_URLS": "true",
    }
    doc: dict[str, Any] = {"Parameters": common}
    if session_file.is_file():
        session = json.loads(session_file.read_text(encoding="utf-8"))
        missing = [f for f in SESSION_FIELDS if f not in session]
        if missing:
            raise RenderError(f"{session_file} lacks {', '.join(missing)}; restart the local run.")
        # moto serves the pool's keys on its own endpoint: the same URL, seen from the container.
        jwks = re.sub(r"^https?://[^/]+", endpoint, str(session["jwks_url"]))
        doc["DashboardFunction"] = {
            "SPIDERGATE_COGNITO_ISSUER": session["issuer"],
            "SPIDERGATE_COGNITO_AUDIENCE": session["client_id"],
            "SPIDERGATE_COGNITO_JWKS_URL": jwks,
        }
    return doc


def main(argv: list[str] | None = None) -> int:
    from spidergate.local.paths import demo_file, repo_root, session_file

    parser = argparse.ArgumentParser(
        prog="python -m spidergate.local.sam_local", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    event = commands.add_parser("event", help="print an event of events/ with the local run's data")
    event.add_argument("name", help="an event name (embeddings, models-list, dashboard-agents-list, ...)")
    env = commands.add_parser("env", help="print the --env-vars file for sam local")
    env.add_argument("--host", default=DOCKER_HOST, help=f"how containers reach this machine ({DOCKER_HOST})")
    env.add_argument("--moto-port", type=int, help="the local run's moto port (default: its default)")
    args = parser.parse_args(argv)
    try:
        if args.command == "event":
            path = find_event(args.name, repo_root() / "events")
            values = placeholder_values(demo_file(), session_file())
            print(render_event(path.read_text(encoding="utf-8"), values))
        else:
            print(json.dumps(env_vars(session_file(), host=args.host, moto_port=args.moto_port), indent=2))
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
