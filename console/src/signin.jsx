import { useState } from "preact/hooks";
import { ErrorNote, Field, useAction } from "./ui.jsx";

// What the pool asks for next: a password, a new password (temporary one used), a TOTP code.
const STEPS = {
  totp: { label: "Authenticator code", input: { inputMode: "numeric", autoComplete: "one-time-code" } },
  newPassword: {
    label: "Choose a new password",
    input: { type: "password", autoComplete: "new-password", minLength: 8 },
    hint: "Your password was temporary: choose your own to finish signing in.",
  },
};

export function SignIn({ auth, onSignedIn }) {
  const [next, setNext] = useState(null); // {kind, submit}
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    action.run(async () => {
      const result = next
        ? await next.submit(String(form.get("answer")).trim())
        : await auth.signIn(String(form.get("username")).trim(), String(form.get("password")));
      const kind = Object.keys(STEPS).find((k) => result[k]);
      if (kind) setNext({ kind, submit: result[kind] });
      else onSignedIn(result);
    });
  };
  const step = next && STEPS[next.kind];
  return (
    <main class="signin">
      <h1>SpiderGate</h1>
      <p class="muted">Sign in with your brand account.</p>
      <form onSubmit={submit} class="card" key={next?.kind || "password"}>
        {step ? (
          <Field label={step.label} hint={step.hint}>
            <input name="answer" required autoFocus {...step.input} />
          </Field>
        ) : (
          <>
            <Field label="Email">
              <input name="username" type="email" autoComplete="username" required autoFocus />
            </Field>
            <Field label="Password">
              <input name="password" type="password" autoComplete="current-password" required />
            </Field>
          </>
        )}
        <ErrorNote error={action.error} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? "Signing in…" : step ? "Continue" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
