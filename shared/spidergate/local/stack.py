"""The local stack: moto provisioned from ``template.yaml``, the sandbox, and the demo data.

Used by ``python -m spidergate.local`` and by integration-test fixtures. Nothing here touches
``os.environ``: ``stack_env`` returns the variables a gateway process needs; callers apply them
(or pass them to ``start_gateway``). The server helpers are re-exported from ``servers``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spidergate.local.persist import restore_snapshot
from spidergate.local.seed import DemoSeed, load_or_create_credential, seed_demo
from spidergate.local.servers import (
    HOST,
    Running,
    free_port,
    port_is_free,
    port_or_free,
    start_gateway,
    start_moto,
    start_sandbox,
    wait_until_ready,
)
from spidergate.local.stream_poller import StreamPoller
from spidergate.local.tables import create_tables
from spidergate.settings import Settings
from spidergate.vault import KeyVault, Records

__all__ = [
    "HOST",
    "LocalStack",
    "Running",
    "free_port",
    "local_settings",
    "moto_client",
    "port_is_free",
    "port_or_free",
    "provision",
    "seed",
    "stack_env",
    "start_gateway",
    "start_local_stack",
    "start_moto",
    "start_sandbox",
    "wait_until_ready",
]

LOCAL_REGION = "us-east-1"
LOCAL_STAGE = "local"
LOCAL_VAULT_TABLE = "spidergate-local-vault"
LOCAL_USAGE_TABLE = "spidergate-local-usage"
LOCAL_UPLOAD_BUCKET = "spidergate-local-uploads"


LOCAL_SPILL_QUEUE = "spidergate-local-record-spill"


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
        "SPIDERGATE_EMIT_METRICS": "false",  # no EMF lines on stdout locally
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
    poller: StreamPoller | None = None  # folds the usage stream into the aggregates, as Lambda would

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
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
    snapshot: Path | None = None,
) -> LocalStack:
    """Start moto and the sandbox, create tables and bucket, restore ``snapshot`` (a previous run's
    data, see ``persist``) when it exists, and seed the demo if ``demo_file`` is given."""
    settings = local_settings()
    moto = start_moto(moto_port, host)
    try:
        sandbox = start_sandbox(sandbox_port, host, process=sandbox_process)
    except BaseException:
        moto.stop()
        raise
    try:
        provision(moto.url, settings, template)
        if snapshot is not None:
            restore_snapshot(
                moto_client("dynamodb", moto.url, settings.region),
                moto_client("secretsmanager", moto.url, settings.region),
                settings,
                snapshot,
            )
        demo = seed(moto.url, settings, sandbox.url, demo_file) if demo_file is not None else None
    except BaseException:
        sandbox.stop()
        moto.stop()
        raise
    env = stack_env(moto.url)
    sqs = moto_client("sqs", moto.url, settings.region)
    spill_url = str(sqs.create_queue(QueueName=LOCAL_SPILL_QUEUE)["QueueUrl"])
    env["SPIDERGATE_RECORD_SPILL_QUEUE_URL"] = spill_url
    poller = usage_poller(moto.url, settings, spill_url)
    poller.start()
    return LocalStack(moto, sandbox, settings, env, demo, poller)


def usage_poller(moto_url: str, settings: Settings, spill_url: str | None = None) -> StreamPoller:
    """A poller folding the usage table's stream on ``moto_url`` (the aggregate function's stand-in)
    and putting parked records back (the drain function's)."""
    ddb = moto_client("dynamodb", moto_url, settings.region)
    streams = moto_client("dynamodbstreams", moto_url, settings.region)
    spill = (moto_client("sqs", moto_url, settings.region), spill_url) if spill_url else None
    return StreamPoller(ddb, streams, settings.usage_table, spill)
