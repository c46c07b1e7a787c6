// Sign-in against the brand's Cognito user pool (SRP when deployed; the local moto pool takes
// USER_PASSWORD_AUTH), tokens kept in sessionStorage for this tab only.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const ROLES = ["viewer", "admin"]; // weakest first, as the API ranks them

function grant(roles, brand, role) {
  brand = brand.trim();
  role = role.trim().toLowerCase();
  if (!ROLES.includes(role) || !brand || /[:,#/ ]/.test(brand)) return;
  if (!roles[brand] || ROLES.indexOf(role) > ROLES.indexOf(roles[brand])) roles[brand] = role;
}

/** Brand id -> role from an ID token's claims (the same rules as spidergate.dashboard.membership;
 * only for what the page shows: the API checks every call itself). */
export function rolesFromClaims(claims) {
  const roles = {};
  let groups = claims["cognito:groups"] || [];
  if (typeof groups === "string") groups = groups.replace(/,/g, " ").split(/\s+/);
  for (const group of groups) {
    if (typeof group !== "string" || !group.startsWith("brand:")) continue;
    const rest = group.slice("brand:".length);
    const cut = rest.lastIndexOf(":");
    if (cut > 0) grant(roles, rest.slice(0, cut), rest.slice(cut + 1));
  }
  const brands = claims["custom:brands"];
  if (typeof brands === "string") {
    for (const entry of brands.split(",")) {
      const cut = entry.lastIndexOf(":");
      if (cut > 0) grant(roles, entry.slice(0, cut), entry.slice(cut + 1));
    }
  }
  return roles;
}

function claimsOf(session) {
  return session.getIdToken().decodePayload();
}

function userOf(session) {
  const claims = claimsOf(session);
  return {
    username: claims.email || claims["cognito:username"] || claims.sub,
    roles: rolesFromClaims(claims),
  };
}

export function createAuth(config) {
  const storage = window.sessionStorage;
  const pool = new CognitoUserPool({
    UserPoolId: config.user_pool_id,
    ClientId: config.client_id,
    endpoint: config.endpoint || undefined,
    Storage: storage,
  });

  /** The current session, refreshed when its tokens expired; null when signed out. */
  function session() {
    const user = pool.getCurrentUser();
    if (!user) return Promise.resolve(null);
    return new Promise((resolve) => {
      user.getSession((err, s) => resolve(err || !s || !s.isValid() ? null : s));
    });
  }

  return {
    async current() {
      const s = await session();
      return s ? userOf(s) : null;
    },

    async token() {
      const s = await session();
      if (!s) throw new Error("Your session has ended; sign in again.");
      return s.getIdToken().getJwtToken();
    },

    /** Resolves to the user, to {totp: submit(code)} when the account asks for its TOTP code, or
     * to {newPassword: submit(password)} when it still has a temporary password. */
    signIn(username, password) {
      const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
      user.setAuthenticationFlowType(config.auth_flow || "USER_SRP_AUTH");
      const details = new AuthenticationDetails({ Username: username, Password: password });
      const failed = (err) => new Error(err?.message || String(err));
      return new Promise((resolve, reject) => {
        // One set of callbacks for every step: a step's answer may lead to the next challenge.
        const step = (ok, fail) => ({
          onSuccess: (s) => ok(userOf(s)),
          onFailure: (err) => fail(failed(err)),
          newPasswordRequired: () =>
            ok({
              newPassword: (chosen) =>
                new Promise((done, refused) => user.completeNewPasswordChallenge(chosen, {}, step(done, refused))),
            }),
          totpRequired: () =>
            ok({
              totp: (code) =>
                new Promise((done, refused) => user.sendMFACode(code, step(done, refused), "SOFTWARE_TOKEN_MFA")),
            }),
          mfaSetup: () => fail(new Error("This account must set up MFA before it can sign in here.")),
        });
        user.authenticateUser(details, step(resolve, reject));
      });
    },

    signOut() {
      pool.getCurrentUser()?.signOut();
    },
  };
}
