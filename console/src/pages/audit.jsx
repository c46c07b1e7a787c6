// Who changed what in the brand's vault and agents, newest first.
import { useState } from "preact/hooks";
import { time } from "../format.js";
import { Empty, ErrorNote, Loading, useAction, useLoad } from "../ui.jsx";

const detailText = (d) =>
  Object.entries(d || {})
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(" · ");

export function Audit({ api, brand }) {
  const [pages, setPages] = useState(null);
  const more = useAction();
  const first = useLoad(async () => {
    const page = await api(brand, "/audit", { query: { limit: 50 } });
    setPages([page]);
    return page;
  }, [brand]);
  const rows = (pages || []).flatMap((p) => p.data);
  const next = pages && pages[pages.length - 1].next_cursor;
  const loadMore = () =>
    more.run(async () => setPages([...pages, await api(brand, "/audit", { query: { limit: 50, cursor: next } })]));
  return (
    <section>
      <h1>Audit</h1>
      <ErrorNote error={first.error || more.error} />
      {first.loading && !pages ? <Loading /> : null}
      {pages && rows.length === 0 && <Empty>No changes yet.</Empty>}
      {rows.length > 0 && (
        <div class="card scroll">
          <table id="audit">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr>
                  <td>{time(e.at)}</td>
                  <td>{e.actor}</td>
                  <td class="mono">{e.action}</td>
                  <td class="mono">{e.target}</td>
                  <td class="muted">{detailText(e.details)}</td>
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
