// Recent requests, filterable; a request's detail shows each attempt, its tokens and cost.
import { useState } from "preact/hooks";
import { go } from "../app.jsx";
import { ms, num, time, usd } from "../format.js";
import { Badge, Empty, ErrorNote, Field, Loading, useAction, useLoad } from "../ui.jsx";

const statusKind = (s) => (s < 300 ? "ok" : s < 500 ? "warn" : "bad");

function Detail({ trace, agentName, onClose }) {
  const u = trace.usage || {};
  return (
    <div class="card" id="trace-detail" role="region" aria-label="Request detail">
      <div class="title">
        <h2 class="mono">{trace.request_id}</h2>
        <button type="button" class="small ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>When</dt>
        <dd>{time(trace.created_at)}</dd>
        <dt>Agent</dt>
        <dd>
          {agentName || ""} <span class="mono muted">{trace.agent_id}</span>
        </dd>
        <dt>Requested</dt>
        <dd>{trace.requested_model}{trace.alias ? ` (alias ${trace.alias})` : ""}</dd>
        <dt>Served by</dt>
        <dd>{trace.served_model ? `${trace.served_model} on ${trace.provider} (key ${trace.key_label})` : "nobody"}</dd>
        <dt>Status</dt>
        <dd>
          <Badge kind={statusKind(trace.status)}>{trace.status}</Badge> {trace.error_code}
          {trace.fallback && <Badge kind="info">fallback</Badge>}
        </dd>
        <dt>Tokens</dt>
        <dd>
          {num(u.prompt_tokens)} in · {num(u.completion_tokens)} out · {num(u.total_tokens)} total
          {u.estimated ? " (estimated)" : ""}
        </dd>
        <dt>Cost</dt>
        <dd>{usd(trace.cost_usd)}</dd>
        <dt>Latency</dt>
        <dd>{ms(trace.latency_ms)}</dd>
      </dl>
      <h3>Attempts</h3>
      <div class="scroll">
        <table id="attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>Model</th>
              <th>Provider</th>
              <th>Key</th>
              <th>Verdict</th>
              <th class="num">Status</th>
              <th class="num">Latency</th>
            </tr>
          </thead>
          <tbody>
            {trace.route.map((a, i) => (
              <tr>
                <td>{i + 1}</td>
                <td>{a.model}</td>
                <td>{a.provider}</td>
                <td>{a.key}</td>
                <td>
                  {a.outcome}
                  {a.error_type ? <span class="muted"> ({a.error_type})</span> : null}
                </td>
                <td class="num">{a.status ?? "—"}</td>
                <td class="num">{ms(a.latency_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function Traces({ api, brand, id }) {
  const [filters, setFilters] = useState({});
  const [pages, setPages] = useState(null);
  const more = useAction();
  const agents = useLoad(() => api.all(brand, "/agents"), [brand]);
  const traces = useLoad(async () => {
    const first = await api(brand, "/traces", { query: { ...filters, limit: 50 } });
    setPages([first]);
    return first;
  }, [brand, filters]);
  const rows = (pages || []).flatMap((p) => p.data);
  const next = pages && pages[pages.length - 1].next_cursor;
  const selected = id && rows.find((t) => t.request_id === id);
  const names = Object.fromEntries((agents.data || []).map((a) => [a.agent_id, a.name]));

  const apply = (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget));
    for (const name of ["since", "until"]) {
      if (f[name]) f[name] = new Date(f[name]).toISOString(); // the viewer's local time, sent as UTC
    }
    setFilters(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== "")));
  };
  const loadMore = () =>
    more.run(async () => {
      const page = await api(brand, "/traces", { query: { ...filters, limit: 50, cursor: next } });
      setPages([...pages, page]);
    });

  return (
    <section>
      <h1>Traces</h1>
      <form class="card filters" onSubmit={apply}>
        <Field label="Agent">
          <select name="agent">
            <option value="">any</option>
            {(agents.data || []).map((a) => (
              <option value={a.agent_id}>{a.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Model">
          <input name="model" placeholder="served or requested" />
        </Field>
        <Field label="Alias">
          <input name="alias" placeholder="e.g. fast" />
        </Field>
        <Field label="Status">
          <select name="status">
            <option value="">any</option>
            <option value="2xx">2xx</option>
            <option value="4xx">4xx</option>
            <option value="5xx">5xx</option>
            <option value="error">errors</option>
          </select>
        </Field>
        <Field label="Fallback">
          <select name="fallback">
            <option value="">any</option>
            <option value="true">fell back</option>
            <option value="false">first choice</option>
          </select>
        </Field>
        <Field label="Since">
          <input name="since" type="datetime-local" />
        </Field>
        <Field label="Until">
          <input name="until" type="datetime-local" />
        </Field>
        <div class="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      {selected && <Detail trace={selected} agentName={names[selected.agent_id]} onClose={() => go(brand, "traces")} />}
      <ErrorNote error={traces.error || more.error} />
      {traces.loading && !pages ? <Loading /> : null}
      {pages && rows.length === 0 && <Empty>No requests match yet: send one with an agent's credentials.</Empty>}
      {rows.length > 0 && (
        <div class="card scroll">
          <table id="traces">
            <thead>
              <tr>
                <th>When</th>
                <th>Agent</th>
                <th>Model</th>
                <th class="num">Status</th>
                <th class="num">Attempts</th>
                <th class="num">Tokens</th>
                <th class="num">Cost</th>
                <th class="num">Latency</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr data-request={t.request_id} class={t.request_id === id ? "selected" : ""}>
                  <td>
                    <a href={`#/${encodeURIComponent(brand)}/traces/${encodeURIComponent(t.request_id)}`}>{time(t.created_at)}</a>
                  </td>
                  <td>{names[t.agent_id] || t.agent_id}</td>
                  <td>
                    {t.requested_model}
                    {t.served_model && t.served_model !== t.requested_model ? ` → ${t.served_model}` : ""}
                    {t.fallback && <Badge kind="info">fallback</Badge>}
                  </td>
                  <td class="num">
                    <Badge kind={statusKind(t.status)}>{t.status}</Badge>
                  </td>
                  <td class="num">{t.route.length}</td>
                  <td class="num">{num(t.usage?.total_tokens)}</td>
                  <td class="num">{usd(t.cost_usd)}</td>
                  <td class="num">{ms(t.latency_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" onClick={loadMore} disabled={more.busy}>
          Load more
        </button>
      )}
    </section>
  );
}
