// An agent's personal access tokens: list, create (the secret shown once), revoke.
import { useState } from "preact/hooks";
import { time } from "../format.js";
import { Badge, Copy, Empty, ErrorNote, Field, useAction, useLoad } from "../ui.jsx";

export function Tokens({ api, brand, agent, canWrite }) {
  const path = `/agents/${encodeURIComponent(agent.agent_id)}/tokens`;
  const tokens = useLoad(() => api(brand, path), [brand, agent.agent_id]);
  const [issued, setIssued] = useState(null);
  const action = useAction();
  const create = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get("name") || "");
    action.run(async () => {
      setIssued(await api(brand, path, { method: "POST", body: { name } }));
      form.reset();
      tokens.reload();
    });
  };
  const revoke = (t) =>
    window.confirm(`Revoke token ${t.name || t.pat_id}? It stops working at once.`) &&
    action.run(async () => {
      await api(brand, `${path}/${encodeURIComponent(t.pat_id)}/revoke`, { method: "POST" });
      tokens.reload();
    });
  const list = tokens.data?.data || [];
  return (
    <div class="tokens" data-tokens={agent.agent_id}>
      <h3>Personal access tokens</h3>
      <p class="muted">A token acts as {agent.name}, with its limits and budgets: send it as the API key.</p>
      {issued && (
        <div class="notice card" role="region" aria-label="New token">
          <p>
            <strong>{issued.notice}</strong>
          </p>
          <code data-pat-secret>{issued.secret}</code> <Copy text={issued.secret} />{" "}
          <button type="button" class="small" onClick={() => setIssued(null)}>
            Done
          </button>
        </div>
      )}
      <ErrorNote error={tokens.error || action.error} />
      {tokens.data && list.length === 0 && <Empty>No tokens for this agent yet.</Empty>}
      {list.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Token id</th>
              <th>Status</th>
              <th>Created</th>
              {canWrite && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr data-pat={t.pat_id}>
                <td>{t.name || "—"}</td>
                <td class="mono">{t.pat_id}</td>
                <td>{t.status === "active" ? <Badge kind="ok">active</Badge> : <Badge kind="bad">{t.status}</Badge>}</td>
                <td>{time(t.created_at)}</td>
                {canWrite && (
                  <td>
                    {t.status === "active" && (
                      <button type="button" class="small danger" disabled={action.busy} onClick={() => revoke(t)}>
                        Revoke token
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && agent.status === "active" && (
        <form class="inline" onSubmit={create}>
          <Field label="New token name">
            <input name="name" maxLength={100} placeholder="e.g. laptop" />
          </Field>
          <button type="submit" disabled={action.busy}>
            Create token
          </button>
        </form>
      )}
    </div>
  );
}
