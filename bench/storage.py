"""The record write path, client by client, against the local moto server: which DynamoDB client
the ledger uses (issue 11 item 6). Prints figures; never fails on timing.

    .venv/bin/python bench/storage.py [--quick] [--aiobotocore-python /tmp/venv/bin/python]

Each client puts the same request record (a conditional put, as settle does) through one moto
server: sequentially (latency, and the client's own CPU per call) and 32 at a time (calls/s).

- ``dynamo_http``: the gateway's ``AsyncDynamoDB`` (httpx, SigV4, JSON in and out);
- ``boto3 in a thread``: boto3's low-level client with parameter validation off, via
  ``asyncio.to_thread`` (the ledger's other option until this bench);
- ``aiobotocore``: measured in the interpreter given by ``--aiobotocore-python`` (its botocore pin
  differs from the project's, so it lives in its own venv), skipped with a line saying so when
  that interpreter does not have it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

WRITES_SEQ, WRITES_CONC, CONCURRENCY = 600, 1200, 32
Put = Callable[[dict[str, Any]], Awaitable[object]]


def record_params(table: str) -> Callable[[], dict[str, Any]]:
    """PutItem parameters of a realistic request record (a fresh request id each call)."""
    from spidergate.dynamo import to_item
    from spidergate.usage.counts import Usage
    from spidergate.usage.record import Attempt, RequestRecord
    from spidergate.usage.record_items import record_item

    def make() -> dict[str, Any]:
        record = RequestRecord(
            request_id=f"req_{uuid.uuid4().hex}",
            brand_id="brd_bench",
            agent_id="cli_bench",
            endpoint="chat",
            requested_model="fast",
            alias="fast",
            started_at=time.time(),
            served_model="openai/gpt-6.1-terra",
            provider="openai",
            key_id="pk_bench",
            key_label="bench",
            usage=Usage(prompt_tokens=14, completion_tokens=9),
            attempts=[Attempt("openai/gpt-6.1-terra", "openai", "pk_bench", "bench", "success", 200)],
        )
        return {
            "TableName": table,
            "Item": to_item(record_item(record, 30)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }

    return make


def cpu() -> float:
    return time.process_time()


async def measure(name: str, put: Put, make: Callable[[], dict[str, Any]], quick: bool) -> dict[str, Any]:
    n_seq, n_conc = (WRITES_SEQ // 4, WRITES_CONC // 4) if quick else (WRITES_SEQ, WRITES_CONC)
    for _ in range(30):  # warm: connections, service model, credentials
        await put(make())
    params = [make() for _ in range(n_seq)]
    lat = []
    c0 = cpu()
    for p in params:
        t = time.perf_counter()
        await put(p)
        lat.append(time.perf_counter() - t)
    cpu_ms = (cpu() - c0) * 1000 / n_seq
    params = [make() for _ in range(n_conc)]
    queue = iter(params)

    async def worker() -> None:
        for p in queue:
            await put(p)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    rate = n_conc / (time.perf_counter() - t0)
    lat.sort()
    return {
        "name": name,
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[int(0.99 * len(lat))] * 1000,
        "client_cpu_ms": cpu_ms,
        "per_s": rate,
    }


async def dynamo_http(endpoint: str, table: str, quick: bool) -> dict[str, Any]:
    from botocore.credentials import Credentials

    from spidergate.dynamo_http import AsyncDynamoDB, new_http_client

    http = new_http_client()
    ddb = AsyncDynamoDB(http, region="us-east-1", endpoint=endpoint, credentials=Credentials("t", "t"))
    try:
        return await measure(
            "dynamo_http (httpx, async)", lambda p: ddb.put_item(**p), record_params(table), quick
        )
    finally:
        await http.aclose()


async def boto3_thread(endpoint: str, table: str, quick: bool) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(parameter_validation=False, max_pool_connections=64, retries={"mode": "standard"}),
    )
    return await measure(
        "boto3, validation off, in a thread",
        lambda p: asyncio.to_thread(lambda: client.put_item(**p)),
        record_params(table),
        quick,
    )


async def aiobotocore_client(endpoint: str, table: str, quick: bool) -> dict[str, Any]:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    config = AioConfig(parameter_validation=False, max_pool_connections=64, retries={"mode": "standard"})
    async with get_session().create_client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=config,
    ) as client:
        return await measure(
            "aiobotocore (aiohttp, async)", lambda p: client.put_item(**p), record_params(table), quick
        )


def run_aiobotocore(python: str, endpoint: str, table: str, quick: bool) -> dict[str, Any] | str:
    """aiobotocore's figures from ``python`` (its own venv), or why there are none."""
    probe = subprocess.run([python, "-c", "import aiobotocore"], capture_output=True, text=True)
    if probe.returncode != 0:
        return (
            f"aiobotocore: SKIPPED, not importable by {python} (pip install aiobotocore in a separate venv)"
        )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "shared")}
    cmd = [python, __file__, "--child-aiobotocore", endpoint, table] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return f"aiobotocore: FAILED in {python}: {done.stderr.strip().splitlines()[-1:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def line(r: dict[str, Any]) -> str:
    return (
        f"  {r['name']:36s} p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
        f"client CPU {r['client_cpu_ms']:5.2f} ms/call  {r['per_s']:7.0f} puts/s at {CONCURRENCY}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--aiobotocore-python", default=os.environ.get("BENCH_AIOBOTOCORE_PYTHON", ""))
    parser.add_argument("--child-aiobotocore", nargs=2, metavar=("ENDPOINT", "TABLE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve-moto", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_moto:  # moto in its own process: the clients' CPU is theirs alone
        from spidergate.local.servers import start_moto

        print(start_moto().url, flush=True)
        sys.stdin.read()  # until the parent closes the pipe
        return
    if args.child_aiobotocore:
        endpoint, table = args.child_aiobotocore
        print(json.dumps(asyncio.run(aiobotocore_client(endpoint, table, args.quick))))
        return
    storage_report(args.quick, args.aiobotocore_python)


def storage_report(quick: bool, aiobotocore_python: str) -> None:
    """Start a moto server in its own process, measure each client on it, print the figures."""
    from spidergate.local.stack import local_settings, provision

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "t")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "t")
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-moto"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        settings = local_settings()
        provision(url, settings)
        table = settings.usage_table
        print(
            "Record write path against the local moto server, in its own process (one conditional put "
            f"of a request record; load average {os.getloadavg()[0]:.2f})"
        )
        for measured in (dynamo_http(url, table, quick), boto3_thread(url, table, quick)):
            print(line(asyncio.run(measured)))
        if aiobotocore_python:
            aio = run_aiobotocore(aiobotocore_python, url, table, quick)
        else:
            aio = (
                "aiobotocore: SKIPPED (no --aiobotocore-python or BENCH_AIOBOTOCORE_PYTHON; it pins its "
                "own botocore, so it runs from its own venv)"
            )
        print(line(aio) if isinstance(aio, dict) else f"  {aio}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
    main()
