import { render } from "preact";
import { createApi } from "./api.js";
import { App } from "./app.jsx";
import { createAuth } from "./auth.js";
import "./style.css";

async function boot() {
  const root = document.getElementById("app");
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (!res.ok) throw new Error((await res.json())?.error?.message || `config.json: ${res.status}`);
    const config = await res.json();
    const auth = createAuth(config);
    const api = createApi(() => auth.token());
    root.textContent = "";
    render(<App auth={auth} api={api} config={config} />, root);
  } catch (err) {
    root.innerHTML = "";
    const p = Object.assign(document.createElement("p"), { className: "error", textContent: err.message });
    root.append(p);
  }
}

boot();
