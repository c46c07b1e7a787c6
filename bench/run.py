"""SpiderGate benchmarks: the gateway's added latency, time to first token, throughput, memory,
DynamoDB round trips per request and import cost, against the same loopback upstream called
directly. Prints figures and ratios; never fails on timing.

    make bench            # or: .venv/bin/python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import storage

from spidergate.domain import Budgets, Limits
from spidergate.local.servers import start_moto, start_sandbox, wait_until_ready
from spidergate.local.stack import free_port, local_settings, moto_client, provision, stack_env
from spidergate.vault import KeyVault, Records

MODEL = "openai/gpt-6.1-terra"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Reply with a short greeting, please."}]}
STREAM_BODY = {**BODY, "stream": True}
FIRST_TOKEN = b'"content":"Sandbox'  # the first content chunk (not the role chunk)
UPSTREAM_KEY = "sk-bench-upstream"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def proc_stat(pid: int) -> tuple[float, int, int]:
    """(cpu seconds, rss kB, peak rss kB) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return cpu, int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0])


def import_cost(code: str, runs: int = 5) -> tuple[float, float]:
    """Median seconds and peak MB of running ``code`` in a fresh interpreter."""
    probe = (
        "import time, resource; t = time.perf_counter()\n"
        + code
        + "\nprint(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = [
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(runs)
    ]
    return statistics.median(float(o[0]) for o in out), statistics.median(float(o[1]) for o in out)


FIXED_STACK = """
import fastapi, httpx, mangum, aws_lambda_powertools, boto3
boto3.session.Session().client("dynamodb", region_name="us-east-1")
"""


def ours(groups: list[str]) -> str:
    """The fixed stack plus building the app of ``groups`` (what a function's cold start imports)."""
    return (
        FIXED_STACK
        + f"""
from spidergate.web.app import create_app
app = create_app({groups!r})
"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    args = parser.parse_args()
    n_seq, seconds, concurrency = (100, 3.0, 32) if args.quick else (400, 10.0, 64)

    calls: collections.Counter[str] = collections.Counter()
    moto = start_moto(observe=lambda env: calls.update([env.get("HTTP_X_AMZ_TARGET", "other")]))
    sandbox = start_sandbox(process=True)
    settings = local_settings()
    provision(moto.url, settings)
    ddb = moto_client("dynamodb", moto.url)
    records = Records(ddb, settings.vault_table)
    vault = KeyVault(
        ddb,
        moto_client("secretsmanager", moto.url),
        settings.vault_table,
        secrets_prefix=settings.secrets_prefix,
        allow_private_base_urls=True,
    )
    brand = records.create_brand("bench")
    records.set_brand_budgets(brand.brand_id, Budgets())
    _, free = records.create_agent(brand.brand_id, "no-limits")
    _, limited = records.create_agent(
        brand.brand_id,
        "limited",
        limits=Limits(rpm=10**7, tpm=10**10, concurrency=10**4),
        budgets=Budgets(daily_usd=Decimal(10**6), monthly_usd=Decimal(10**7)),
    )
    vault.add(brand.brand_id, "openai", UPSTREAM_KEY, label="bench", base_url=sandbox.url + "/v1")

    env = {
        **os.environ,
        **stack_env(moto.url),
        "SPIDERGATE_LOG_LEVEL": "WARNING",
        "SPIDERGATE_EMIT_METRICS": "false",
        "PYTHONPATH": str(Path(__file__).resolve().parent),
    }
    direct = sandbox.url + "/v1/chat/completions"
    runs = [
        ("as deployed: usage written to DynamoDB (moto)", "spidergate.web.app:create_app"),
        ("diagnostic: usage write disabled (the gateway's own cost)", "no_usage_app:create_app"),
    ]
    try:
        for title, app in runs:
            port = free_port()
            gateway = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    app,
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=env,
            )
            try:
                wait_until_ready(f"http://127.0.0.1:{port}/api/gate/v1/health", timeout=30)
                gw = f"http://127.0.0.1:{port}/api/gate/v1/chat/completions"
                results = asyncio.run(
                    measure(
                        gw,
                        direct,
                        free.bearer,
                        limited.bearer,
                        gateway.pid,
                        calls,
                        n_seq,
                        seconds,
                        concurrency,
                    )
                )
            finally:
                gateway.terminate()
                gateway.wait(timeout=10)
            report(title, results)
    finally:
        sandbox.stop()
        moto.stop()
    fixed = import_cost(FIXED_STACK)
    print(f"import (cold start)  fixed stack {fixed[0]:.3f} s / {fixed[1]:.0f} MB peak")
    for groups in (
        ["chat"],
        ["embeddings"],
        ["media"],
        ["catalog"],
        ["dashboard"],
        ["chat", "embeddings", "media", "catalog", "dashboard"],
    ):
        secs, mb = import_cost(ours(groups))
        print(
            f"  + app {'+'.join(groups):42s} {secs:.3f} s / {mb:.0f} MB   ours adds {secs - fixed[0]:+.3f} s"
        )
    print(
        "LiteLLM proxy: SKIPPED, not measured by this run (this bench does not start it); no LiteLLM "
        "figure is printed that this run did not measure."
    )
    storage.storage_report(args.quick, os.environ.get("BENCH_AIOBOTOCORE_PYTHON", ""))


async def measure(
    gw: str,
    direct: str,
    free: str,
    limited: str,
    pid: int,
    calls: collections.Counter[str],
    n_seq: int,
    seconds: float,
    concurrency: int,
) -> dict[str, Any]:
    body, stream_body = json.dumps(BODY).encode(), json.dumps(STREAM_BODY).encode()
    upstream = {"Authorization": f"Bearer {UPSTREAM_KEY}"}
    auth = {"Authorization": f"Bearer {free}"}
    auth_limited = {"Authorization": f"Bearer {limited}"}
    out: dict[str, Any] = {}
    for _ in range(2):  # warm caches: auth, keys, secrets, connections
        await loadgen.sequential(gw, body, auth, 30)
        await loadgen.sequential(gw, body, auth_limited, 30)
        await loadgen.sequential(direct, body, upstream, 30)

    async def latency(
        url: str, payload: bytes, headers: dict[str, str], marker: bytes | None = None
    ) -> list[float]:
        done = await loadgen.sequential(url, payload, headers, n_seq, marker)
        assert all(r.status == 200 for r in done), {r.status for r in done}
        return [r.first_byte if marker else r.total for r in done]

    calls.clear()
    out["direct"] = await latency(direct, body, upstream)
    out["gateway"] = await latency(gw, body, auth)
    out["calls_free"] = sum(calls.values()) / n_seq
    calls.clear()
    out["gateway_limited"] = await latency(gw, body, auth_limited)
    out["calls_limited"] = sum(calls.values()) / n_seq
    out["calls_limited_detail"] = {k.split(".")[-1]: v / n_seq for k, v in calls.items()}
    out["ttft_direct"] = await latency(direct, stream_body, upstream, FIRST_TOKEN)
    out["ttft_gateway"] = await latency(gw, stream_body, auth, FIRST_TOKEN)
    ok, bad, elapsed = await loadgen.throughput(direct, body, upstream, concurrency, seconds)
    out["rps_direct"] = ok / elapsed
    cpu0, _, _ = proc_stat(pid)
    calls.clear()
    ok, bad, elapsed = await loadgen.throughput(gw, body, auth, concurrency, seconds)
    cpu1, rss, peak = proc_stat(pid)
    out["rps_gateway"], out["rps_errors"] = ok / elapsed, bad
    out["cpu_ms_per_request"] = (cpu1 - cpu0) * 1000 / max(ok, 1)
    out["settles_per_s"] = calls.get("DynamoDB_20120810.PutItem", 0) / elapsed  # one record put a request
    out["rss_mb"], out["peak_rss_mb"] = rss / 1024, peak / 1024
    return out


def report(title: str, r: dict[str, Any]) -> None:
    d50, d99 = pct(r["direct"], 0.5), pct(r["direct"], 0.99)
    g50, g99 = pct(r["gateway"], 0.5), pct(r["gateway"], 0.99)
    l50, l99 = pct(r["gateway_limited"], 0.5), pct(r["gateway_limited"], 0.99)
    t50, tg50 = pct(r["ttft_direct"], 0.5), pct(r["ttft_gateway"], 0.5)
    capacity = 1000 / r["cpu_ms_per_request"] if r["cpu_ms_per_request"] else float("nan")
    lines = [
        f"SpiderGate, {title}",
        f"  non-streaming latency   direct p50 {d50:6.2f} ms  p99 {d99:6.2f} ms",
        f"                          gateway p50 {g50:6.2f} ms  p99 {g99:6.2f} ms   added p50 {g50 - d50:+.2f} ms",
        f"  agent with limits       gateway p50 {l50:6.2f} ms  p99 {l99:6.2f} ms   added p50 {l50 - d50:+.2f} ms",
        f"  streaming first token   direct p50 {t50:6.2f} ms  gateway p50 {tg50:6.2f} ms   added {tg50 - t50:+.2f} ms",
        f"  DynamoDB calls/request  no limits {r['calls_free']:.2f}   with limits {r['calls_limited']:.2f} "
        f"{r['calls_limited_detail']}",
        f"  throughput              direct {r['rps_direct']:7.0f} req/s   gateway {r['rps_gateway']:7.0f} req/s "
        f"(errors {r['rps_errors']}); records written {r['settles_per_s']:.0f}/s",
        f"  gateway CPU per request {r['cpu_ms_per_request']:.3f} ms  -> {capacity:,.0f} req/s per core",
        f"  gateway memory          RSS {r['rss_mb']:.0f} MB  peak {r['peak_rss_mb']:.0f} MB",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
