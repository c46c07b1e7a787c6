import { useState } from "preact/hooks";
import { ErrorNote, Field, useAction } from "./ui.jsx";

export function SignIn({ auth, onSignedIn }) {
  const [totp, setTotp] = useState(null);
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    action.run(async () => {
      const result = totp
        ? await totp(String(form.get("code")).trim())
        : await auth.signIn(String(form.get("username")).trim(), String(form.get("password")));
      if (result.totp) setTotp(() => result.totp);
      else onSignedIn(result);
    });
  };
  return (
    <main class="signin">
      <h1>SpiderGate</h1>
      <p class="muted">Sign in with your brand account.</p>
      <form onSubmit={submit} class="card">
        {totp ? (
          <Field label="Authenticator code">
            <input name="code" inputMode="numeric" autoComplete="one-time-code" required autoFocus />
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
          {action.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
