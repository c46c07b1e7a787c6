// The shell: sign-in, brand picker, navigation (hash routes: #/<brand>/<page>[/<id>]), pages.
import { useEffect, useState } from "preact/hooks";
import { SESSION_ENDED } from "./api.js";
import { Agents } from "./pages/agents.jsx";
import { Aliases } from "./pages/aliases.jsx";
import { Audit } from "./pages/audit.jsx";
import { Overview } from "./pages/overview.jsx";
import { Traces } from "./pages/traces.jsx";
import { Vault } from "./pages/vault.jsx";
import { SignIn } from "./signin.jsx";
import { Empty, Loading } from "./ui.jsx";

const PAGES = [
  ["overview", "Overview", Overview],
  ["vault", "Vault", Vault],
  ["agents", "Agents", Agents],
  ["traces", "Traces", Traces],
  ["aliases", "Aliases", Aliases],
  ["audit", "Audit", Audit],
];

function parseHash() {
  const [brand = "", page = "overview", ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  return { brand: decodeURIComponent(brand), page, id: rest.length ? decodeURIComponent(rest.join("/")) : null };
}

export const go = (brand, page, id) =>
  (window.location.hash = `#/${encodeURIComponent(brand)}/${page}${id ? `/${encodeURIComponent(id)}` : ""}`);

export function App({ auth, api }) {
  const [user, setUser] = useState(undefined); // undefined: still checking the stored session
  const [route, setRoute] = useState(parseHash());

  useEffect(() => {
    auth.current().then(setUser, () => setUser(null));
    const onHash = () => setRoute(parseHash());
    const onEnded = () => {
      auth.signOut();
      setUser(null);
    };
    window.addEventListener("hashchange", onHash);
    window.addEventListener(SESSION_ENDED, onEnded);
    return () => {
      window.removeEventListener("hashchange", onHash);
      window.removeEventListener(SESSION_ENDED, onEnded);
    };
  }, []);

  if (user === undefined) return <Loading />;
  if (user === null) return <SignIn auth={auth} onSignedIn={setUser} />;

  const brands = Object.keys(user.roles).sort();
  const brand = brands.includes(route.brand) ? route.brand : brands[0];
  const role = brand ? user.roles[brand] : null;
  const current = PAGES.find(([name]) => name === route.page) || PAGES[0];
  const Page = current[2];
  const signOut = () => {
    auth.signOut();
    setUser(null);
  };

  return (
    <div class="shell">
      <header>
        <strong class="logo">SpiderGate</strong>
        {brands.length > 0 && (
          <label class="brand">
            <span class="sr-only">Brand</span>
            <select value={brand} onChange={(e) => go(e.currentTarget.value, current[0])} aria-label="Brand">
              {brands.map((b) => (
                <option value={b}>{b}</option>
              ))}
            </select>
          </label>
        )}
        <span class="who muted">
          {user.username}
          {role && <span class="role"> · {role}</span>}
        </span>
        <button type="button" class="small ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      {brand ? (
        <>
          <nav aria-label="Pages">
            {PAGES.map(([name, label]) => (
              <a href={`#/${encodeURIComponent(brand)}/${name}`} aria-current={name === current[0] ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <main id="page" data-page={current[0]}>
            <Page key={`${brand}/${current[0]}`} api={api} brand={brand} canWrite={role === "admin"} id={route.id} />
          </main>
        </>
      ) : (
        <main>
          <Empty>Your account is not a member of any brand yet: ask an operator to add you to one.</Empty>
        </main>
      )}
    </div>
  );
}
