// The brand's pooled provider keys: status, last error, month spend against cap; add, edit, disable,
// enable, remove.
import { useState } from "preact/hooks";
import { gatewayGet } from "../api.js";
import { time, usd, num } from "../format.js";
import { Badge, Empty, ErrorNote, Field, Loading, optionalNumber, useAction, useLoad } from "../ui.jsx";

/** The newest failed attempt of each key ("provider/label") among the brand's recent requests. */
function lastErrors(traces) {
  const found = {};
  for (const t of traces) {
    for (const a of t.route) {
      const key = `${a.provider}/${a.key}`;
      if (a.outcome !== "success" && !(key in found)) found[key] = { ...a, at: t.created_at };
    }
  }
  return found;
}

function LastError({ error }) {
  if (!error) return null;
  return (
    <div class="muted last-error">
      last error {time(error.at)}: {error.status ?? "no answer"} {error.error_type || ""} → {error.outcome}
    </div>
  );
}

function Status({ k }) {
  if (k.status === "cooling") return <Badge kind="warn">cooling until {time(k.cooldown_until)}</Badge>;
  if (k.status === "disabled") return <Badge kind="bad">disabled: {k.disabled_reason || "no reason given"}</Badge>;
  return <Badge kind="ok">active</Badge>;
}

function AddKey({ api, brand, onAdded }) {
  const providers = useLoad(() => gatewayGet("/providers"), []);
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const body = {
      provider: f.get("provider"),
      api_key: f.get("api_key"),
      priority: Number(f.get("priority") || 100),
      free_tier: f.get("free_tier") === "on",
    };
    if (f.get("label")) body.label = f.get("label");
    if (f.get("base_url")) body.base_url = f.get("base_url");
    const cap = optionalNumber(f.get("monthly_cap_usd"));
    const tokens = optionalNumber(f.get("monthly_token_cap"));
    if (cap !== null) body.monthly_cap_usd = cap;
    if (tokens !== null) body.monthly_token_cap = tokens;
    action.run(async () => {
      await api(brand, "/vault/keys", { method: "POST", body });
      form.reset(); // the key material leaves the page as soon as it is stored
      onAdded();
    });
  };
  const names = (providers.data?.data || []).map((p) => p.id || p.name).filter(Boolean).sort();
  return (
    <form class="card grid" onSubmit={submit} id="add-key" autoComplete="off">
      <h2>Add a key</h2>
      <Field label="Provider">
        <select name="provider" required>
          {names.map((n) => (
            <option value={n}>{n}</option>
          ))}
        </select>
      </Field>
      <Field label="Label">
        <input name="label" maxLength={100} placeholder="e.g. team-a" />
      </Field>
      <Field label="API key" hint="Stored in Secrets Manager; it is never shown again.">
        <input name="api_key" type="password" required autoComplete="new-password" spellCheck={false} />
      </Field>
      <Field label="Base URL (optional)">
        <input name="base_url" type="url" placeholder="https://…" />
      </Field>
      <Field label="Priority" hint="Lower is tried first.">
        <input name="priority" type="number" min="0" max="10000" value="100" />
      </Field>
      <Field label="Monthly cap (USD)">
        <input name="monthly_cap_usd" type="number" min="0" step="0.01" />
      </Field>
      <Field label="Monthly token cap">
        <input name="monthly_token_cap" type="number" min="1" step="1" />
      </Field>
      <label class="check">
        <input name="free_tier" type="checkbox" /> Free tier (spent first)
      </label>
      <ErrorNote error={action.error || providers.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Add key
        </button>
      </div>
    </form>
  );
}

function EditKey({ api, brand, k, onSaved }) {
  const action = useAction();
  const v = (x) => (x == null ? "" : String(x));
  const submit = (e) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      label: String(f.get("label")).trim() || k.label,
      priority: Number(f.get("priority") || k.priority),
      free_tier: f.get("free_tier") === "on",
      monthly_cap_usd: optionalNumber(f.get("monthly_cap_usd")), // empty lifts the cap
      monthly_token_cap: optionalNumber(f.get("monthly_token_cap")),
    };
    const baseUrl = String(f.get("base_url")).trim();
    if (baseUrl !== v(k.base_url)) body.base_url = baseUrl || null;
    action.run(async () => {
      await api(brand, `/vault/keys/${encodeURIComponent(k.key_id)}`, { method: "PATCH", body });
      onSaved();
    });
  };
  return (
    <form class="grid" onSubmit={submit} data-edit-key={k.key_id}>
      <Field label="Label">
        <input name="label" maxLength={100} value={k.label} />
      </Field>
      <Field label="Priority" hint="Lower is tried first.">
        <input name="priority" type="number" min="0" max="10000" value={String(k.priority)} />
      </Field>
      <Field label="Monthly cap (USD)">
        <input name="monthly_cap_usd" type="number" min="0" step="0.01" value={v(k.monthly_cap_usd)} placeholder="none" />
      </Field>
      <Field label="Monthly token cap">
        <input name="monthly_token_cap" type="number" min="1" step="1" value={v(k.monthly_token_cap)} placeholder="none" />
      </Field>
      <Field label="Base URL">
        <input name="base_url" type="url" value={v(k.base_url)} placeholder="the provider's default" />
      </Field>
      <label class="check">
        <input name="free_tier" type="checkbox" checked={k.free_tier} /> Free tier (spent first)
      </label>
      <ErrorNote error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Save key
        </button>
      </div>
    </form>
  );
}

function KeyRow({ api, brand, k, canWrite, onChanged, lastError }) {
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const act = (path, method = "POST") =>
    action.run(async () => {
      await api(brand, `/vault/keys/${encodeURIComponent(k.key_id)}${path}`, { method });
      onChanged();
    });
  const remove = () => {
    if (window.confirm(`Remove key ${k.label || k.masked}? Its secret is scheduled for deletion.`)) act("", "DELETE");
  };
  return (
    <>
      <tr data-key={k.key_id}>
        <td>
          <strong>{k.label || "—"}</strong>
          <div class="mono muted">{k.masked}</div>
          {k.free_tier && <Badge kind="info">free tier</Badge>}
        </td>
        <td>
          <Status k={k} />
          <LastError error={lastError} />
        </td>
        <td class="num">{k.priority}</td>
        <td class="num">
          {usd(k.spend_this_month_usd)}
          {k.monthly_cap_usd != null && <span class="muted"> / {usd(k.monthly_cap_usd)}</span>}
          {k.monthly_token_cap != null && <div class="muted">cap {num(k.monthly_token_cap)} tokens</div>}
        </td>
        {canWrite && (
          <td class="row-actions">
            <button type="button" class="small" onClick={() => setEditing(!editing)} aria-expanded={editing}>
              Edit
            </button>
            {k.status === "disabled" ? (
              <button type="button" class="small" disabled={action.busy} onClick={() => act("/enable")}>
                Enable
              </button>
            ) : (
              <button type="button" class="small" disabled={action.busy} onClick={() => act("/disable")}>
                Disable
              </button>
            )}
            <button type="button" class="small danger" disabled={action.busy} onClick={remove}>
              Remove
            </button>
            <ErrorNote error={action.error} />
          </td>
        )}
      </tr>
      {editing && (
        <tr>
          <td colSpan={5}>
            <EditKey
              api={api}
              brand={brand}
              k={k}
              onSaved={() => {
                setEditing(false);
                onChanged();
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

export function Vault({ api, brand, canWrite }) {
  const keys = useLoad(() => api.all(brand, "/vault/keys"), [brand]);
  // Recent requests, for each key's last error (the keys reload after a change; so do these).
  const recent = useLoad(() => api(brand, "/traces", { query: { limit: 100 } }), [brand, keys.data]);
  const errors = lastErrors(recent.data?.data || []);
  const [adding, setAdding] = useState(false);
  const byProvider = {};
  for (const k of keys.data || []) (byProvider[k.provider] ||= []).push(k);
  return (
    <section>
      <div class="title">
        <h1>Vault</h1>
        {canWrite && (
          <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            {adding ? "Close" : "Add a key"}
          </button>
        )}
      </div>
      {canWrite && adding && <AddKey api={api} brand={brand} onAdded={keys.reload} />}
      <ErrorNote error={keys.error} />
      {keys.loading && !keys.data ? <Loading /> : null}
      {keys.data && keys.data.length === 0 && (
        <Empty>No keys yet{canWrite ? " — add one." : "."}</Empty>
      )}
      {Object.keys(byProvider)
        .sort()
        .map((provider) => (
          <div class="card" data-provider={provider}>
            <h2>{provider}</h2>
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th>Key</th>
                    <th>Status</th>
                    <th class="num">Priority</th>
                    <th class="num">This month / cap</th>
                    {canWrite && <th>Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {byProvider[provider].map((k) => (
                    <KeyRow
                      api={api}
                      brand={brand}
                      k={k}
                      canWrite={canWrite}
                      onChanged={keys.reload}
                      lastError={errors[`${k.provider}/${k.label}`]}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
    </section>
  );
}
