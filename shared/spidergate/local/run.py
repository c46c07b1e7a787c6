"""``python -m spidergate.local``: the whole gateway on this machine, no AWS account needed.

Starts moto (DynamoDB, Secrets Manager, S3), creates the tables from ``template.yaml``, starts
the sandbox upstream, seeds a demo brand/agent/keys, then serves the gateway under uvicorn.
Restarting is safe: provisioning and seeding are idempotent and the demo token is kept in
``.local/demo.json``. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from spidergate.dashboard.local_pool import LocalSignIn, create_local_sign_in
from spidergate.local.paths import demo_file
from spidergate.local.stack import (
    HOST,
    LocalStack,
    moto_client,
    port_is_free,
    port_or_free,
    start_local_stack,
)
from spidergate.settings import LocalRunSettings, get_settings

API_PATH = "/api/gate/v1"
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
  export {exports}
  spidergate vault list --brand {stack.demo.brand_id if stack.demo else "brd_demo"}
"""


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
    args = parser.parse_args(argv)
    if not port_is_free(args.port, HOST):
        print(f"Port {args.port} is in use; choose another with PORT=<port> or --port.", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _terminate)  # run the cleanup below on `kill` as on Ctrl-C
    stack: LocalStack | None = None
    try:
        stack = start_local_stack(
            moto_port=port_or_free(args.moto_port, HOST),
            sandbox_port=port_or_free(args.sandbox_port, HOST),
            demo_file=demo_file(),
        )
        # The gateway reads everything through Settings: set the environment before it is built.
        for name in _AWS_OVERRIDES:
            os.environ.pop(name, None)
        os.environ.update(stack.env)
        session = dashboard_sign_in(stack)
        os.environ.update(session.settings_env())
        get_settings.cache_clear()
        print(banner(stack, args.port) + dashboard_banner(stack, args.port, session), flush=True)
        import uvicorn

        uvicorn.run("spidergate.web.app:create_app", factory=True, host=HOST, port=args.port)
    except KeyboardInterrupt:
        pass
    finally:
        if stack is not None:
            stack.stop()
            print("SpiderGate local stack stopped.", flush=True)
    return 0
