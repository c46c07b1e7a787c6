// New agent credentials, shown once, with copy buttons and a ready openai SDK snippet.
import { gatewayBase } from "../api.js";
import { Copy } from "../ui.jsx";

function snippet(bearer) {
  return `from openai import OpenAI

client = OpenAI(base_url="${gatewayBase()}", api_key="${bearer}")
reply = client.chat.completions.create(
    model="fast", messages=[{"role": "user", "content": "Hello!"}]
)
print(reply.choices[0].message.content)`;
}

export function Credentials({ issued, onDone }) {
  const c = issued.credentials;
  const rows = [
    ["Client ID", c.client_id],
    ["API key", c.api_key],
    ["API secret", c.api_secret],
    ["Bearer token", c.bearer],
  ];
  const code = snippet(c.bearer);
  return (
    <div class="card notice" id="credentials" role="region" aria-label="New credentials">
      <h2>Credentials for {issued.agent.name}</h2>
      <p>
        <strong>{issued.notice}</strong>
      </p>
      <dl class="creds">
        {rows.map(([label, value]) => (
          <div>
            <dt>{label}</dt>
            <dd>
              <code data-cred={label}>{value}</code> <Copy text={value} />
            </dd>
          </div>
        ))}
      </dl>
      <h3>
        Python (<code>pip install openai</code>) <Copy text={code} label="Copy snippet" />
      </h3>
      <pre>
        <code>{code}</code>
      </pre>
      <button type="button" onClick={onDone}>
        I have stored them
      </button>
    </div>
  );
}
