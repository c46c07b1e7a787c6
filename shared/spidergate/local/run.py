"""``python -m spidergate.local``: the whole gateway on this machine, no AWS account needed.

Starts moto (DynamoDB, Secrets Manager, S3), creates the tables from ``template.yaml``, restores
the previous run's data (``.local/state.json``), starts the sandbox upstream, seeds a demo
brand/agent/keys, then serves the gateway under uvicorn. The data is saved every minute and when
Ctrl-C (or SIGTERM) stops everything, for the next run; ``--fresh`` starts clean. The demo token is kept in
``.local/demo.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from spidergate.dashboard.local_pool import LocalSignIn, create_local_sign_in
from spidergate.local.paths import demo_file, session_file, state_file
from spidergate.local.persist import save_snapshot
from spidergate.local.stack import (
    HOST,
    LocalStack,
    moto_client,
    port_is_free,
    start_local_stack,
)
from spidergate.settings import LocalRunSettings, get_settings

API_PATH = "/api/gate/v1"
AUTOSAVE_SECONDS = 60.0
DEMO_MODEL = "gpt-4o-mini"
# Variables that would send boto3 to a real account instead of moto.
_AWS_OVERRIDES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def dashboard_sign_in(stack: LocalStack) -> LocalSignIn:
    """A moto Cognito pool with an admin of the demo brand, signed in (tokens last an hour)."""
    brand = stack.demo.brand_id if stack.demo else "brd_demo"
    cognito = moto_client("cognito-idp", stack.moto.url, stack.settings.region)
    return create_local_sign_in(
        cognito, region=stack.settings.region, brands={brand: "admin"}, endpoint_url=stack.moto.url
    )


def dashboard_banner(stack: LocalStack, port: int, session: LocalSignIn) -> str:
    brand = stack.demo.brand_id if stack.demo else "brd_demo"
    return f"""
Console: http://{HOST}:{port}/console/
  sign in as {session.username} with password {session.password} (admin of {brand})

Dashboard API (Cognito session; moto issued this ID token for {session.username}, admin of {brand}):
  curl http://{HOST}:{port}/api/v1/brands/{brand}/gate/agents -H "Authorization: Bearer {session.id_token}"
  A fresh token (it expires in an hour): sign in again with user pool client {session.client_id},
  user {session.username}, password {session.password} (USER_PASSWORD_AUTH against {stack.moto.url}).
  WARNING: this run trusts moto's Cognito signing key, whose private half ships inside moto: anyone
  on this machine can mint dashboard tokens for any brand. Settings refuse that trust outside the
  'local' stage (SPIDERGATE_STAGE); never expose this port.
"""


def banner(stack: LocalStack, port: int) -> str:
    """What to print once everything is up: URLs, the demo token, and two ways to call it."""
    base = f"http://{HOST}:{port}{API_PATH}"
    token = stack.demo.bearer if stack.demo else "<no demo seeded>"
    exports = " ".join(f"{k}={v}" for k, v in stack.env.items())
    return f"""
SpiderGate is running locally (Ctrl-C stops everything).

  Base URL    {base}
  Demo token  {token}
  Sandbox     {stack.sandbox.url}  (fake upstream; script faults with POST /_control/faults)
  moto        {stack.moto.url}

curl:
  curl {base}/chat/completions \\
    -H "Authorization: Bearer {token}" \\
    -H "Content-Type: application/json" \\
    -d '{{"model": "{DEMO_MODEL}", "messages": [{{"role": "user", "content": "Hello!"}}]}}'

Python (pip install openai):
  from openai import OpenAI
  client = OpenAI(base_url="{base}", api_key="{token}")
  reply = client.chat.completions.create(
      model="{DEMO_MODEL}", messages=[{{"role": "user", "content": "Hello!"}}]
  )
  print(reply.choices[0].message.content)

The spidergate CLI against this stack, from another shell:
  export {exports} PATH="{cli_dir()}:$PATH"
  spidergate vault list --brand {stack.demo.brand_id if stack.demo else "brd_demo"}

Data (brands, agents, keys, usage) is saved to {state_file()} when this run stops and restored by
the next one; `make run FRESH=1` (or --fresh) starts clean.
"""


def cli_dir() -> Path:
    """The directory of this interpreter's scripts (the venv's bin, where ``spidergate`` is)."""
    return Path(sys.executable).parent


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    defaults = LocalRunSettings()
    parser = argparse.ArgumentParser(prog="python -m spidergate.local", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="gateway port (env PORT, default 8080)"
    )
    parser.add_argument("--moto-port", type=int, default=defaults.moto_port, help="preferred moto port")
    parser.add_argument(
        "--sandbox-port", type=int, default=defaults.sandbox_port, help="preferred sandbox port"
    )
    parser.add_argument(
        "--fresh", action="store_true", help=f"start clean: discard the saved data ({state_file()})"
    )
    parser.add_argument(
        "--bind",
        default=HOST,
        help="address moto and the sandbox listen on (0.0.0.0 lets `sam local` containers reach them; "
        "it also exposes them to your network)",
    )
    args = parser.parse_args(argv)
    busy = busy_ports(args.port, args.moto_port, args.sandbox_port, args.bind)
    if busy:
        print(busy, file=sys.stderr)
        return 1
    if args.fresh:
        state_file().unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, _terminate)  # run the cleanup below on `kill` as on Ctrl-C
    stack: LocalStack | None = None
    autosave: Autosave | None = None
    try:
        stack = start_local_stack(
            moto_port=args.moto_port,
            sandbox_port=args.sandbox_port,
            host=args.bind,
            demo_file=demo_file(),
            snapshot=state_file(),
        )
        # The gateway reads everything through Settings: set the environment before it is built.
        for name in _AWS_OVERRIDES:
            os.environ.pop(name, None)
        os.environ.update(stack.env)
        session = dashboard_sign_in(stack)
        write_private_json(session_file(), dataclasses.asdict(session))  # for `sam_local event`
        os.environ.update(session.settings_env())
        get_settings.cache_clear()
        print(banner(stack, args.port) + dashboard_banner(stack, args.port, session), flush=True)
        autosave = Autosave(stack, AUTOSAVE_SECONDS)
        import uvicorn

        uvicorn.run("spidergate.web.app:create_app", factory=True, host=HOST, port=args.port)
    except KeyboardInterrupt:
        pass
    finally:
        if autosave is not None:
            autosave.stop()
        if stack is not None:
            save(stack)
            stack.stop()
            print("SpiderGate local stack stopped.", flush=True)
    return 0


def write_private_json(path: Path, doc: dict[str, str]) -> None:
    """``doc`` to ``path``, readable by this user only (it holds a session token and password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2)


def busy_ports(port: int, moto_port: int, sandbox_port: int, bind: str = HOST) -> str | None:
    """Why the run cannot start, when a port it needs is taken (never a silent substitute: saved
    CLI exports and the vault's sandbox URLs name these ports)."""
    wanted = (
        ("gateway", port, "PORT=<port> or --port"),
        ("moto", moto_port, "SPIDERGATE_LOCAL_MOTO_PORT=<port> or --moto-port"),
        ("sandbox", sandbox_port, "SPIDERGATE_LOCAL_SANDBOX_PORT=<port> or --sandbox-port"),
    )
    for name, number, how in wanted:
        if not port_is_free(number, HOST if name == "gateway" else bind):
            return f"Port {number} ({name}) is in use; stop what holds it or choose another with {how}."
    return None


def save(stack: LocalStack, path: Path | None = None, *, quiet: bool = False) -> None:
    """Snapshot the run's data for the next start (a failure is reported, never raised)."""
    path = path or state_file()
    try:
        count = save_snapshot(
            moto_client("dynamodb", stack.moto.url, stack.settings.region),
            moto_client("secretsmanager", stack.moto.url, stack.settings.region),
            stack.settings,
            path,
        )
    except Exception as exc:  # never take the run down over a snapshot; say why the data was not kept
        print(f"Could not save the local data to {path}: {exc}", file=sys.stderr)
        return
    if not quiet:
        print(f"Saved {count} items to {path}.", flush=True)


class Autosave:
    """Snapshots the run every ``every`` seconds in a background thread, so a run that dies
    without its cleanup (``kill -9``, a crash) loses at most that much."""

    def __init__(self, stack: LocalStack, every: float, path: Path | None = None) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(stack, every, path), name="autosave", daemon=True
        )
        self._thread.start()

    def _run(self, stack: LocalStack, every: float, path: Path | None) -> None:
        while not self._stop.wait(every):
            save(stack, path, quiet=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
