"""Demo data for local runs: a brand, an unlimited agent with a stable token, keys on the sandbox.

Seeding is idempotent: what exists is kept (keys are matched by label, their base URL is pointed
at the current sandbox), so a restart against fresh or old tables ends in the same state. The
agent's credentials live in ``.local/demo.json`` so the bearer token survives restarts of the
in-memory moto server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from spidergate import tokens
from spidergate.domain import Agent, ProviderKey
from spidergate.vault import KeyVault, Records
from spidergate.vault.records import IssuedCredential, now_iso

DEMO_BRAND_ID = "brd_demo"
DEMO_BRAND_NAME = "Demo brand"
DEMO_AGENT_ID = "cli_demo"
DEMO_AGENT_NAME = "Demo agent"


@dataclass(frozen=True, slots=True)
class DemoKey:
    provider: str
    label: str
    api_key: str  # fake: the sandbox accepts any key and records only its hash
    path: str  # appended to the sandbox URL: "/v1" for OpenAI wire, "" for Anthropic's


DEMO_KEYS = (
    DemoKey("openai", "sandbox-openai-1", "sk-sandbox-openai-1", "/v1"),
    DemoKey("openai", "sandbox-openai-2", "sk-sandbox-openai-2", "/v1"),
    DemoKey("anthropic", "sandbox-anthropic", "sk-ant-sandbox-1", ""),
    DemoKey("groq", "sandbox-groq", "gsk_sandbox_1", "/v1"),
    DemoKey("mistral", "sandbox-mistral", "sandbox-mistral-1", "/v1"),
)


@dataclass(frozen=True, slots=True)
class DemoSeed:
    brand_id: str
    agent_id: str
    credential: IssuedCredential
    keys: list[ProviderKey]

    @property
    def bearer(self) -> str:
        return self.credential.bearer


def load_or_create_credential(path: Path) -> IssuedCredential:
    """The demo agent's credentials from ``path``, generated (mode 0600) on first use."""
    if path.is_file():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("client_id") == DEMO_AGENT_ID and saved.get("api_key") and saved.get("api_secret"):
            return IssuedCredential(DEMO_AGENT_ID, str(saved["api_key"]), str(saved["api_secret"]))
    cred = IssuedCredential(DEMO_AGENT_ID, tokens.new_id("key"), tokens.new_secret())
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "client_id": cred.client_id,
        "api_key": cred.api_key,
        "api_secret": cred.api_secret,
        "bearer": cred.bearer,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2)
    return cred


def ensure_agent(records: Records, brand_id: str, agent_id: str, name: str) -> Agent:
    """The agent with this fixed id, written if missing (``Records.create_agent`` picks random ids)."""
    agent = records.get_agent(agent_id)
    if agent is not None:
        return agent
    agent = Agent(agent_id=agent_id, brand_id=brand_id, name=name, created_at=now_iso())
    records.put_agent(agent)
    return agent


def ensure_credential(records: Records, cred: IssuedCredential) -> None:
    """Store ``cred`` (its secret's hash) unless an active credential with that secret is there."""
    found, _agent = records.lookup_credential(cred.client_id, cred.api_key)
    if found is not None and found.status == "active" and tokens.matches(cred.api_secret, found.secret_hash):
        return
    records.put_credential(cred)


def seed_demo(records: Records, vault: KeyVault, sandbox_url: str, credential: IssuedCredential) -> DemoSeed:
    """Brand ``brd_demo``, agent ``cli_demo`` holding ``credential``, and the demo keys on the sandbox."""
    if records.get_brand(DEMO_BRAND_ID) is None:
        records.create_brand(DEMO_BRAND_NAME, brand_id=DEMO_BRAND_ID)
    ensure_agent(records, DEMO_BRAND_ID, DEMO_AGENT_ID, DEMO_AGENT_NAME)
    ensure_credential(records, credential)
    existing = {key.label: key for key in vault.list(DEMO_BRAND_ID)}
    base = sandbox_url.rstrip("/")
    for spec in DEMO_KEYS:
        url = base + spec.path
        key = existing.get(spec.label)
        if key is None:
            vault.add(
                DEMO_BRAND_ID, spec.provider, spec.api_key, label=spec.label, base_url=url, actor="seed"
            )
        elif key.base_url != url:
            vault.update(DEMO_BRAND_ID, key.key_id, {"base_url": url}, actor="seed")
    return DemoSeed(DEMO_BRAND_ID, DEMO_AGENT_ID, credential, vault.list(DEMO_BRAND_ID))
