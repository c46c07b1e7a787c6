// Agents: create (credentials and an openai SDK snippet shown once), edit limits and budgets,
// rotate, revoke, and each agent's personal access tokens.
import { useState } from "preact/hooks";
import { time, usd, num } from "../format.js";
import { Badge, Empty, ErrorNote, Field, Loading, optionalNumber, useAction, useLoad } from "../ui.jsx";
import { Credentials } from "./credentials.jsx";
import { Tokens } from "./tokens.jsx";

function settingsBody(f) {
  return {
    limits: {
      rpm: optionalNumber(f.get("rpm")),
      tpm: optionalNumber(f.get("tpm")),
      concurrency: optionalNumber(f.get("concurrency")),
    },
    budgets: { daily_usd: optionalNumber(f.get("daily_usd")), monthly_usd: optionalNumber(f.get("monthly_usd")) },
  };
}

function SettingsFields({ agent }) {
  const l = agent?.limits || {};
  const b = agent?.budgets || {};
  const v = (x) => (x == null ? "" : String(x));
  return (
    <>
      <Field label="Requests / minute">
        <input name="rpm" type="number" min="1" value={v(l.rpm)} placeholder="unlimited" />
      </Field>
      <Field label="Tokens / minute">
        <input name="tpm" type="number" min="1" value={v(l.tpm)} placeholder="unlimited" />
      </Field>
      <Field label="Concurrent requests">
        <input name="concurrency" type="number" min="1" value={v(l.concurrency)} placeholder="unlimited" />
      </Field>
      <Field label="Daily budget (USD)">
        <input name="daily_usd" type="number" min="0" step="0.01" value={v(b.daily_usd)} placeholder="none" />
      </Field>
      <Field label="Monthly budget (USD)">
        <input name="monthly_usd" type="number" min="0" step="0.01" value={v(b.monthly_usd)} placeholder="none" />
      </Field>
    </>
  );
}

function CreateAgent({ api, brand, onCreated }) {
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    action.run(async () => {
      const issued = await api(brand, "/agents", { method: "POST", body: { name: f.get("name"), ...settingsBody(f) } });
      form.reset();
      onCreated(issued);
    });
  };
  return (
    <form class="card grid" onSubmit={submit} id="create-agent">
      <h2>Create an agent</h2>
      <Field label="Name">
        <input name="name" required maxLength={100} placeholder="e.g. ci-bot" />
      </Field>
      <SettingsFields />
      <ErrorNote error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Create agent
        </button>
      </div>
    </form>
  );
}

function limitsText(a) {
  const parts = [];
  if (a.limits.rpm) parts.push(`${num(a.limits.rpm)} rpm`);
  if (a.limits.tpm) parts.push(`${num(a.limits.tpm)} tpm`);
  if (a.limits.concurrency) parts.push(`${a.limits.concurrency} at once`);
  if (a.budgets.daily_usd != null) parts.push(`${usd(a.budgets.daily_usd)}/day`);
  if (a.budgets.monthly_usd != null) parts.push(`${usd(a.budgets.monthly_usd)}/month`);
  return parts.join(" · ") || "no limits";
}

function AgentRow({ api, brand, agent, canWrite, onChanged, onIssued }) {
  const [editing, setEditing] = useState(false);
  const [showTokens, setShowTokens] = useState(false);
  const action = useAction();
  const path = `/agents/${encodeURIComponent(agent.agent_id)}`;
  const save = (e) => {
    e.preventDefault();
    const body = settingsBody(new FormData(e.currentTarget));
    action.run(async () => {
      await api(brand, path, { method: "PATCH", body });
      setEditing(false);
      onChanged();
    });
  };
  const rotate = () =>
    window.confirm(`Issue new credentials for ${agent.name}? The current ones stop working.`) &&
    action.run(async () => {
      onIssued(await api(brand, `${path}/rotate`, { method: "POST" }));
      onChanged();
    });
  const revoke = () =>
    window.confirm(`Revoke ${agent.name}? Its credentials stop working at once.`) &&
    action.run(async () => {
      await api(brand, `${path}/revoke`, { method: "POST" });
      onChanged();
    });
  const active = agent.status === "active";
  return (
    <>
      <tr data-agent={agent.agent_id}>
        <td>
          <strong>{agent.name}</strong>
          <div class="mono muted">{agent.agent_id}</div>
        </td>
        <td>{active ? <Badge kind="ok">active</Badge> : <Badge kind="bad">{agent.status}</Badge>}</td>
        <td>{limitsText(agent)}</td>
        <td>{time(agent.created_at)}</td>
        <td class="row-actions">
          <button type="button" class="small" onClick={() => setShowTokens(!showTokens)} aria-expanded={showTokens}>
            Tokens
          </button>
          {canWrite && active && (
            <>
              <button type="button" class="small" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                Edit limits
              </button>
              <button type="button" class="small" disabled={action.busy} onClick={rotate}>
                Rotate
              </button>
              <button type="button" class="small danger" disabled={action.busy} onClick={revoke}>
                Revoke
              </button>
            </>
          )}
          <ErrorNote error={action.error} />
        </td>
      </tr>
      {showTokens && (
        <tr>
          <td colSpan={5}>
            <Tokens api={api} brand={brand} agent={agent} canWrite={canWrite} />
          </td>
        </tr>
      )}
      {editing && (
        <tr>
          <td colSpan={5}>
            <form class="grid" onSubmit={save}>
              <SettingsFields agent={agent} />
              <div class="actions">
                <button type="submit" disabled={action.busy}>
                  Save
                </button>
              </div>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}

export function Agents({ api, brand, canWrite }) {
  const agents = useLoad(() => api.all(brand, "/agents"), [brand]);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState(null);
  const created = (x) => {
    setIssued(x);
    setCreating(false);
    agents.reload();
  };
  return (
    <section>
      <div class="title">
        <h1>Agents</h1>
        {canWrite && (
          <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
            {creating ? "Close" : "Create an agent"}
          </button>
        )}
      </div>
      {issued && <Credentials issued={issued} onDone={() => setIssued(null)} />}
      {canWrite && creating && <CreateAgent api={api} brand={brand} onCreated={created} />}
      <ErrorNote error={agents.error} />
      {agents.loading && !agents.data ? <Loading /> : null}
      {agents.data && agents.data.length === 0 && <Empty>No agents yet{canWrite ? " — create one." : "."}</Empty>}
      {agents.data && agents.data.length > 0 && (
        <div class="card scroll">
          <table>
            <thead>
              <tr>
                <th>Agent</th>
                <th>Status</th>
                <th>Limits and budgets</th>
                <th>Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {agents.data.map((a) => (
                <AgentRow api={api} brand={brand} agent={a} canWrite={canWrite} onChanged={agents.reload} onIssued={setIssued} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
