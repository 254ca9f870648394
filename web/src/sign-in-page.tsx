// The sign-in screen: an email whose domain an organisation has verified goes to that organisation's
// single sign-on (SAML or OIDC); otherwise the organisation's SSO by its id, or the local bootstrap
// owner's password.
import { useState, type FormEvent } from "react";
import { ApiError, call, type Session } from "./api.ts";

interface Discovery {
  sso: boolean;
  enforced: boolean;
  login_url?: string;
}

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [organization, setOrganization] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function passwordSignIn() {
    await call("POST", "/api/session", { organization, email, password });
    onSignedIn(await call<Session>("GET", "/api/session"));
  }

  /** The email's domain decides first; without one that routes, the organisation id given. */
  async function singleSignOn() {
    if (email.includes("@")) {
      const found = await call<Discovery>("POST", "/api/sso/discover", { email });
      if (found.sso && found.login_url) {
        window.location.assign(found.login_url);
        return;
      }
    }
    if (organization) {
      window.location.assign(`/sso/saml/${encodeURIComponent(organization)}/login`);
      return;
    }
    setError(
      email
        ? "Your email's domain has no single sign-on here. Sign in with your password, or enter your organisation id."
        : "Enter your work email (or your organisation id) to continue with single sign-on.",
    );
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Could not reach Custodian.");
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    // Enter in the email field with no password asks where that email signs in.
    void run(password ? passwordSignIn : singleSignOn);
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        <p className="muted">Your conversations are encrypted and readable only by you.</p>
        <label>
          Email
          <input
            name="email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            placeholder="you@company.com"
            autoComplete="username"
          />
        </label>
        <button
          type="button"
          className="button secondary"
          disabled={busy}
          onClick={() => void run(singleSignOn)}
        >
          Continue with single sign-on
        </button>
        <div className="divider">or with your organisation</div>
        <label>
          Organisation
          <input
            name="organization"
            value={organization}
            onChange={(event) => setOrganization(event.target.value)}
            placeholder="org_..."
            autoComplete="organization"
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            autoComplete="current-password"
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <a className="link" href="/trust">
          How Custodian protects your data
        </a>
      </form>
    </main>
  );
}
