"""Screenshots of every console page for docs/ (`make screenshots`), taken in headless Chromium.

Starts the local stack (moto, the sandbox, the demo brand), signs a console user in against the moto
user pool, sends some traffic through the gateway with the `openai` SDK (a failover, a cooled-down
key, a disabled key), then saves docs/console-<page>.png for each page at laptop width.
"""

from __future__ import annotations

import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import openai  # noqa: E402

from spidergate.dashboard.local_pool import create_local_sign_in  # noqa: E402
from spidergate.domain import Budgets, Limits  # noqa: E402
from spidergate.local.seed import DEMO_KEYS  # noqa: E402
from spidergate.local.stack import moto_client, start_gateway, start_local_stack  # noqa: E402
from tests.browser.driver import Console, chromium  # noqa: E402
from tests.integration.conftest import Admin  # noqa: E402

PAGES = ("overview", "vault", "agents", "traces", "aliases", "audit")
# Paint timings of the sign-in page, a cold load (nothing cached) on loopback.
PAINT = """
const nav = performance.getEntriesByType("navigation")[0];
const fcp = performance.getEntriesByName("first-contentful-paint")[0];
return {fcp: fcp ? fcp.startTime : null, load: nav ? nav.loadEventEnd : null};
"""
OUT = ROOT / "docs"
MODELS = ("gpt-4o-mini", "fast", "claude-haiku-5-5", "gpt-4o-mini", "mistral-small-latest", "gpt-4o-mini")


def traffic(gate: str, sandbox: str, bearers: list[str], keys: dict[str, str]) -> None:
    faults = httpx.Client(base_url=sandbox, timeout=10)

    def fault(status: int, key: str, **headers: str) -> None:
        body = {"match": {"api_key": key}, "times": 1, "fault": {"status": status, "headers": headers}}
        faults.post("/_control/faults", json=body).raise_for_status()

    fault(429, keys["sandbox-openai-1"], **{"retry-after": "600"})  # cooling for ten minutes
    fault(401, keys["sandbox-mistral"])  # disabled, with the gateway's reason
    for n in range(14):
        client = openai.OpenAI(base_url=gate, api_key=bearers[n % len(bearers)], max_retries=0)
        model = MODELS[n % len(MODELS)]
        try:
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": f"Hello {n}"}])
        except openai.APIError as exc:  # an unserved request is part of the picture too
            print(f"{model}: {exc.status_code if isinstance(exc, openai.APIStatusError) else exc}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, start_local_stack(demo_file=Path(tmp) / "demo.json") as stack:
        assert stack.demo is not None
        brand = stack.demo.brand_id
        cognito = moto_client("cognito-idp", stack.moto.url, stack.settings.region)
        session = create_local_sign_in(
            cognito, region=stack.settings.region, brands={brand: "admin"}, endpoint_url=stack.moto.url
        )
        admin = Admin(stack)
        bearers = [stack.demo.bearer]
        for name, limits, budgets in (
            ("support-bot", Limits(rpm=60, tpm=100_000), Budgets(daily_usd=Decimal(5))),
            ("nightly-evals", Limits(), Budgets(monthly_usd=Decimal(200))),
        ):
            bearers.append(admin.records.create_agent(brand, name, limits, budgets)[1].bearer)
        keys = {k.label: k.api_key for k in DEMO_KEYS}
        env = {**stack.env, **session.settings_env(), "SPIDERGATE_LOG_LEVEL": "WARNING"}
        with start_gateway(env) as gateway:
            gate = gateway.url + "/api/gate/v1"
            traffic(gate, stack.sandbox.url, bearers, keys)
            with chromium(1200, 820) as driver:
                ui = Console(driver, gateway.url)
                ui.sign_in(session.username, session.password)
                for page in PAGES:
                    ui.page(brand, page)
                    ui.settled()
                    if page == "traces":
                        ui.find("#traces tbody tr a").click()
                        ui.find("#trace-detail")
                    if page == "agents":
                        ui.button("Tokens", "[data-agent]").click()
                        ui.find("[data-tokens]")
                    path = OUT / f"console-{page}.png"
                    driver.save_screenshot(str(path))
                    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
                ui.sign_out()
            with chromium(1200, 820) as driver:
                ui = Console(driver, gateway.url)
                ui.open()
                ui.find("main.signin")
                timing = driver.execute_script(PAINT)
                print(
                    f"sign-in page, cold: first contentful paint {timing['fcp']:.0f} ms, load {timing['load']:.0f} ms"
                )
                path = OUT / "console-sign-in.png"
                driver.save_screenshot(str(path))
                print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
