// The 26 task aliases: each chain as this brand routes it, 24 h usage; admins override a chain.
import { useState } from "preact/hooks";
import { num, usd } from "../format.js";
import { Badge, ErrorNote, Field, Loading, useAction, useLoad } from "../ui.jsx";

function ChainEditor({ api, brand, alias, onSaved, onCancel }) {
  const action = useAction();
  const save = (chain) =>
    action.run(async () => {
      onSaved(await api(brand, `/aliases/${encodeURIComponent(alias.id)}`, { method: "PATCH", body: { chain } }));
    });
  const submit = (e) => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget).get("chain"));
    save(text.split(/[\s,]+/).filter(Boolean));
  };
  return (
    <form class="chain-editor" onSubmit={submit}>
      <Field label={`Chain for ${alias.id}, one model per line (tried in order)`}>
        <textarea
          name="chain"
          rows={Math.max(3, alias.chain.length + 1)}
          spellCheck={false}
          value={alias.chain.join("\n")}
        />
      </Field>
      <ErrorNote error={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          Save chain
        </button>
        {alias.overridden && (
          <button type="button" class="small" disabled={action.busy} onClick={() => save(null)}>
            Back to the built-in chain
          </button>
        )}
        <button type="button" class="small ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function AliasRow({ api, brand, alias, canWrite, onChanged }) {
  const [editing, setEditing] = useState(false);
  const u = alias.usage_24h;
  return (
    <tr data-alias={alias.id}>
      <td>
        <strong class="mono">{alias.id}</strong>
        {alias.overridden && <Badge kind="info">overridden</Badge>}
        <div class="muted">{alias.description}</div>
      </td>
      <td>
        {editing ? (
          <ChainEditor
            api={api}
            brand={brand}
            alias={alias}
            onSaved={(updated) => {
              setEditing(false);
              onChanged(updated);
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <ol class="chain">
            {alias.chain.map((m) => (
              <li class="mono">{m}</li>
            ))}
          </ol>
        )}
      </td>
      <td class="num">
        {num(u.requests)}
        {u.errors > 0 && <div class="muted">{num(u.errors)} errors</div>}
      </td>
      <td class="num">{usd(u.cost_usd)}</td>
      <td class="mono">{u.top_model || "—"}</td>
      {canWrite && (
        <td>
          {!editing && (
            <button type="button" class="small" onClick={() => setEditing(true)}>
              Edit chain
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

export function Aliases({ api, brand, canWrite }) {
  const aliases = useLoad(() => api(brand, "/aliases"), [brand]);
  const [changed, setChanged] = useState({});
  if (aliases.error) return <ErrorNote error={aliases.error} />;
  if (!aliases.data) return <Loading />;
  return (
    <section>
      <h1>Aliases</h1>
      <p class="muted">Ask for an alias as the model; the gateway walks its chain. Usage covers the last 24 hours.</p>
      <div class="card scroll">
        <table id="aliases">
          <thead>
            <tr>
              <th>Alias</th>
              <th>Chain</th>
              <th class="num">Requests</th>
              <th class="num">Spend</th>
              <th>Top model</th>
              {canWrite && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {aliases.data.data.map((a) => (
              <AliasRow
                api={api}
                brand={brand}
                alias={changed[a.id] || a}
                canWrite={canWrite}
                onChanged={(updated) => setChanged({ ...changed, [updated.id]: updated })}
              />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
