// The sign-in screen: single sign-on for the organisation, or the local bootstrap owner's password.
import { useState, type FormEvent } from "react";
import { ApiError, call, type Session } from "./api.ts";

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [organization, setOrganization] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call("POST", "/api/session", { organization, email, password });
      onSignedIn(await call<Session>("GET", "/api/session"));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Could not reach Custodian.");
    } finally {
      setBusy(false);
    }
  }

  function singleSignOn() {
    if (!organization) {
      setError("Enter your organisation id to continue with single sign-on.");
      return;
    }
    window.location.assign(`/sso/saml/${encodeURIComponent(organization)}/login`);
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
          Organisation
          <input
            name="organization"
            value={organization}
            onChange={(event) => setOrganization(event.target.value)}
            placeholder="org_..."
            autoComplete="organization"
            required
          />
        </label>
        <button type="button" className="button secondary" onClick={singleSignOn}>
          Continue with single sign-on
        </button>
        <div className="divider">or with a password</div>
        <label>
          Email
          <input
            name="email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            autoComplete="username"
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
