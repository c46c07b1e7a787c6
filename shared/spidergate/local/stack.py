"""Start the local stack's pieces: moto (AWS), the sandbox upstream, tables and demo data.

Used by ``python -m spidergate.local`` and by integration-test fixtures. Nothing here touches
``os.environ``: ``stack_env`` returns the variables a gateway process needs, callers apply them.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from spidergate.local.sandbox import SandboxState, create_sandbox_app
from spidergate.local.seed import DemoSeed, load_or_create_credential, seed_demo
from spidergate.local.tables import create_tables
from spidergate.settings import Settings
from spidergate.vault import KeyVault, Records

HOST = "127.0.0.1"
LOCAL_REGION = "us-east-1"
LOCAL_STAGE = "local"
LOCAL_VAULT_TABLE = "spidergate-local-vault"
LOCAL_USAGE_TABLE = "spidergate-local-usage"
LOCAL_UPLOAD_BUCKET = "spidergate-local-uploads"


@dataclass
class Running:
    """A server started here: where it listens and how to stop it (``stop`` is idempotent)."""

    name: str
    host: str
    port: int
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._stop()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_or_free(preferred: int | None, host: str = HOST) -> int:
    """``preferred`` when it is free, else a free port."""
    return preferred if preferred and port_is_free(preferred, host) else free_port(host)


def wait_until_ready(url: str, timeout: float = 10.0) -> None:
    """Poll ``url`` until it answers anything below 500; ``TimeoutError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while True:
            try:
                if client.get(url).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not become ready within {timeout:.0f} s")
            time.sleep(0.05)


def start_moto(port: int = 0, host: str = HOST) -> Running:
    """An in-process moto server (``port=0``: any free port) with werkzeug's request log quieted."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    running = Running("moto", host, int(server.get_host_and_port()[1]), server.stop)
    wait_until_ready(f"{running.url}/moto-api/")
    return running


def start_sandbox(
    port: int = 0, host: str = HOST, *, process: bool = False, state: SandboxState | None = None
) -> Running:
    """The sandbox upstream under uvicorn: in a background thread, or in its own ``process``.

    A process keeps the sandbox off the caller's GIL (benchmarks); a thread lets a test share
    ``state`` with it. ``port=0`` picks a free port.
    """
    if process:
        if state is not None:
            raise ValueError("a sandbox in another process cannot share in-process state")
        return _sandbox_process(port or free_port(host), host)
    import uvicorn

    config = uvicorn.Config(
        create_sandbox_app(state), host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    bound = int(server.servers[0].sockets[0].getsockname()[1])

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return Running("sandbox", host, bound, stop)


def _sandbox_process(port: int, host: str) -> Running:
    cmd = [sys.executable, "-m", "spidergate.local.sandbox", "--host", host, "--port", str(port)]
    proc = subprocess.Popen(cmd)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    running = Running("sandbox", host, port, stop)
    try:
        wait_until_ready(f"{running.url}/_control/health")
    except TimeoutError:
        running.stop()
        raise
    return running


def stack_env(
    moto_url: str,
    *,
    region: str = LOCAL_REGION,
    stage: str = LOCAL_STAGE,
    vault_table: str = LOCAL_VAULT_TABLE,
    usage_table: str = LOCAL_USAGE_TABLE,
    upload_bucket: str = LOCAL_UPLOAD_BUCKET,
) -> dict[str, str]:
    """The environment a gateway process needs to run against the moto server at ``moto_url``."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "SPIDERGATE_REGION": region,
        "SPIDERGATE_STAGE": stage,
        "SPIDERGATE_VAULT_TABLE": vault_table,
        "SPIDERGATE_USAGE_TABLE": usage_table,
        "SPIDERGATE_UPLOAD_BUCKET": upload_bucket,
        "SPIDERGATE_ALLOW_PRIVATE_BASE_URLS": "true",
    }


def local_settings(**overrides: Any) -> Settings:
    """Settings matching ``stack_env``'s defaults (explicit values, whatever the environment says)."""
    values: dict[str, Any] = {
        "region": LOCAL_REGION,
        "stage": LOCAL_STAGE,
        "vault_table": LOCAL_VAULT_TABLE,
        "usage_table": LOCAL_USAGE_TABLE,
        "upload_bucket": LOCAL_UPLOAD_BUCKET,
        "allow_private_base_urls": True,
    }
    return Settings(**{**values, **overrides})


def moto_client(service: str, moto_url: str, region: str = LOCAL_REGION) -> Any:
    """A boto3 client bound to the moto server, with its fake credentials (no environment needed)."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    make: Any = session.client  # typed loosely: boto3 picks the client class from ``service`` at run time
    return make(service, endpoint_url=moto_url)


def ensure_bucket(s3: Any, name: str) -> None:
    """Create the upload bucket unless it exists."""
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        s3.create_bucket(Bucket=name)


def provision(moto_url: str, settings: Settings, template: Path | None = None) -> list[str]:
    """Tables (from the template) and the upload bucket on the moto server; returns tables created."""
    created = create_tables(moto_client("dynamodb", moto_url, settings.region), settings, template)
    ensure_bucket(moto_client("s3", moto_url, settings.region), settings.upload_bucket)
    return created


def seed(moto_url: str, settings: Settings, sandbox_url: str, demo_file: Path) -> DemoSeed:
    """The demo brand, agent (credentials kept in ``demo_file``) and sandbox keys."""
    ddb = moto_client("dynamodb", moto_url, settings.region)
    records = Records(ddb, settings.vault_table)
    vault = KeyVault(
        ddb,
        moto_client("secretsmanager", moto_url, settings.region),
        settings.vault_table,
        secrets_prefix=settings.secrets_prefix,
        allow_private_base_urls=True,
    )
    return seed_demo(records, vault, sandbox_url, load_or_create_credential(demo_file))


@dataclass
class LocalStack:
    """moto + sandbox, provisioned (and seeded): ``env`` points a gateway at it."""

    moto: Running
    sandbox: Running
    settings: Settings
    env: dict[str, str]
    demo: DemoSeed | None

    def stop(self) -> None:
        self.sandbox.stop()
        self.moto.stop()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_local_stack(
    *,
    moto_port: int = 0,
    sandbox_port: int = 0,
    host: str = HOST,
    demo_file: Path | None = None,
    sandbox_process: bool = False,
    template: Path | None = None,
) -> LocalStack:
    """Start moto and the sandbox, create tables and bucket, and seed the demo if ``demo_file`` is given."""
    settings = local_settings()
    moto = start_moto(moto_port, host)
    try:
        sandbox = start_sandbox(sandbox_port, host, process=sandbox_process)
    except BaseException:
        moto.stop()
        raise
    try:
        provision(moto.url, settings, template)
        demo = seed(moto.url, settings, sandbox.url, demo_file) if demo_file is not None else None
    except BaseException:
        sandbox.stop()
        moto.stop()
        raise
    return LocalStack(moto, sandbox, settings, stack_env(moto.url), demo)
