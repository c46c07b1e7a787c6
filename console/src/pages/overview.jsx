// Today and this month: spend, requests, errors, fallbacks, savings; daily charts by provider
// and by model; top agents; usage export.
import { useState } from "preact/hooks";
import { DailyChart } from "../chart.jsx";
import { download, usageCsv } from "../csv.js";
import { num, usd, utcDay } from "../format.js";
import { Empty, ErrorNote, Field, Loading, useAction, useLoad } from "../ui.jsx";

/** What the same tokens would have cost at the first choice's list price, minus what was paid
 * (0 while the ledger has no reference cost for the range). */
export function savings(counts) {
  const reference = counts?.reference_cost_usd;
  return reference == null ? 0 : Number(reference) - Number(counts.cost || 0);
}

function monthRange(now = new Date()) {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const days = [];
  for (let d = first; d <= now; d = new Date(d.getTime() + 86400000)) days.push(utcDay(d));
  return { from: days[0], to: utcDay(now), days };
}

function Tile({ label, value, sub, id }) {
  return (
    <div class="tile" data-tile={id}>
      <span class="muted">{label}</span>
      <strong>{value}</strong>
      {sub && <small class="muted">{sub}</small>}
    </div>
  );
}

function Totals({ title, counts, id }) {
  const c = counts || {};
  return (
    <div class="card" data-totals={id}>
      <h2>{title}</h2>
      <div class="tiles">
        <Tile id="spend" label="Spend" value={usd(c.cost)} />
        <Tile id="requests" label="Requests" value={num(c.requests)} sub={`${num(c.total_tokens)} tokens`} />
        <Tile id="errors" label="Errors" value={num(c.errors)} />
        <Tile id="fallbacks" label="Fallbacks" value={num(c.fallbacks)} />
        <Tile id="savings" label="Savings" value={usd(savings(c))} sub="vs. the first choice's list price" />
      </div>
    </div>
  );
}

function perDay(rows, days, measure, top = 6) {
  const byValue = {};
  for (const r of rows) {
    const series = (byValue[r.value] ||= Object.fromEntries(days.map((d) => [d, 0])));
    if (r.day in series) series[r.day] += Number(r.counts[measure] || 0);
  }
  return Object.entries(byValue)
    .map(([label, values]) => ({ label, values: days.map((d) => values[d]), total: Object.values(values).reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total)
    .slice(0, top);
}

function Export({ api, brand, range }) {
  const action = useAction();
  const exportCsv = (e) => {
    e.preventDefault();
    const by = new FormData(e.currentTarget).get("by");
    action.run(async () => {
      const rows = await api.all(brand, "/usage", { query: { by, from: range.from, to: range.to }, max: 100000 });
      download(`spidergate-${brand}-usage-by-${by}-${range.from}-${range.to}.csv`, usageCsv(by, rows));
    });
  };
  return (
    <form class="inline" onSubmit={exportCsv}>
      <Field label="Export this month by">
        <select name="by">
          {["day", "agent", "model", "provider", "key"].map((b) => (
            <option value={b}>{b}</option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={action.busy}>
        Download CSV
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

export function Overview({ api, brand }) {
  const range = monthRange();
  const today = range.to;
  const data = useLoad(async () => {
    const query = { from: range.from, to: range.to };
    const [byDay, byProvider, byModel, byAgent, agents] = await Promise.all([
      api(brand, "/usage", { query: { ...query, by: "day", limit: 200 } }),
      api.all(brand, "/usage", { query: { ...query, by: "provider" } }),
      api.all(brand, "/usage", { query: { ...query, by: "model" } }),
      api.all(brand, "/usage", { query: { ...query, by: "agent" } }),
      api.all(brand, "/agents"),
    ]);
    return { byDay, byProvider, byModel, byAgent, agents };
  }, [brand]);

  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.data) return <Loading />;
  const { byDay, byProvider, byModel, byAgent, agents } = data.data;
  const todayRow = byDay.data.find((r) => r.day === today);
  const names = Object.fromEntries(agents.map((a) => [a.agent_id, a.name]));
  const topAgents = perDay(byAgent, range.days, "cost", 5);
  const requestsByAgent = Object.fromEntries(perDay(byAgent, range.days, "requests", 1000).map((s) => [s.label, s.total]));

  return (
    <section>
      <div class="title">
        <h1>Overview</h1>
        <Export api={api} brand={brand} range={range} />
      </div>
      <p class="muted">Days are UTC calendar days, as the usage ledger counts them.</p>
      <div class="two">
        <Totals id="today" title={`Today (${today})`} counts={todayRow?.counts} />
        <Totals id="month" title={`This month (from ${range.from})`} counts={byDay.totals} />
      </div>
      {byDay.totals.requests === 0 ? (
        <Empty>No requests this month yet: create an agent and send a request with its credentials.</Empty>
      ) : (
        <>
          <div class="two">
            <DailyChart title="Spend per day by provider" days={range.days} series={perDay(byProvider, range.days, "cost")} format={usd} />
            <DailyChart title="Requests per day by model" days={range.days} series={perDay(byModel, range.days, "requests")} format={num} />
          </div>
          <div class="card">
            <h2>Top agents this month</h2>
            <table id="top-agents">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th class="num">Requests</th>
                  <th class="num">Spend</th>
                </tr>
              </thead>
              <tbody>
                {topAgents.map((s) => (
                  <tr>
                    <td>{names[s.label] || s.label}</td>
                    <td class="num">{num(requestsByAgent[s.label])}</td>
                    <td class="num">{usd(s.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
