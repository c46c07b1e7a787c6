// Small shared pieces: data loading, errors, empty states, copy buttons, status badges.
import { useCallback, useEffect, useState } from "preact/hooks";

/** Runs `load()` when `deps` change; `reload()` runs it again. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }),
    );
    return () => {
      live = false;
    };
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export const ErrorNote = ({ error }) =>
  error ? (
    <p class="error" role="alert">
      {error.message || String(error)}
    </p>
  ) : null;

export const Empty = ({ children }) => <p class="empty">{children}</p>;

export const Loading = () => <p class="muted" aria-live="polite">Loading…</p>;

export function Copy({ text, label = "Copy" }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = Object.assign(document.createElement("textarea"), { value: text });
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" class="small" onClick={copy}>
      {done ? "Copied" : label}
    </button>
  );
}

export const Badge = ({ kind, children }) => <span class={`badge ${kind}`}>{children}</span>;

/** Runs an async action, showing its error (the API's message) until the next try. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (action) => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

/** A labelled form field. */
export const Field = ({ label, children, hint }) => (
  <label class="field">
    <span>{label}</span>
    {children}
    {hint && <small class="muted">{hint}</small>}
  </label>
);

/** "" -> null, else a number (for optional numeric inputs). */
export const optionalNumber = (value) => (value === "" || value === null || value === undefined ? null : Number(value));
