// The dashboard API on the console's own origin: /console/ -> ../api/v1/brands/{brand}/gate/...
export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Fired on window when the session is gone (expired, revoked, refresh refused). */
export const SESSION_ENDED = "spidergate:session-ended";

export const gatewayBase = () => new URL("../api/gate/v1", window.location.href).href;

async function failure(res) {
  let message = `The API answered ${res.status}.`;
  let code = null;
  try {
    const body = await res.json();
    if (body?.error?.message) message = body.error.message; // the API's own words
    code = body?.error?.code ?? null;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, res.status, code);
}

/** `api(brand, "/vault/keys", {method, body, query})`: JSON in, JSON out, ApiError on failure. */
export function createApi(token) {
  async function call(brand, path, { method = "GET", body, query } = {}) {
    const url = new URL(`../api/v1/brands/${encodeURIComponent(brand)}/gate${path}`, window.location.href);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    let session;
    try {
      session = await token();
    } catch (err) {
      window.dispatchEvent(new Event(SESSION_ENDED));
      throw err;
    }
    const headers = { Authorization: `Bearer ${session}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) {
      const error = await failure(res);
      if (res.status === 401) window.dispatchEvent(new Event(SESSION_ENDED)); // back to the sign-in form
      throw error;
    }
    return res.json();
  }

  /** Every page of a list endpoint (at most `max` items). */
  call.all = async (brand, path, { query, max = 1000 } = {}) => {
    const out = [];
    let cursor;
    do {
      const page = await call(brand, path, { query: { ...query, limit: 200, cursor } });
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && out.length < max);
    return out;
  };
  return call;
}

/** A public gateway endpoint (catalog): /api/gate/v1/... */
export async function gatewayGet(path) {
  const res = await fetch(gatewayBase() + path);
  if (!res.ok) throw await failure(res);
  return res.json();
}
