// The sign-in screen, email first: an email whose domain an organisation has verified goes to that
// organisation's single sign-on (SAML or OIDC), and must when SSO is enforced; otherwise the password,
// with no organisation id to type. When the password matches in several organisations, the user picks
// one by name.
import { useState, type FormEvent } from "react";
import { ApiError, call, type Session } from "./api.ts";

interface Discovery {
  sso: boolean;
  enforced: boolean;
  login_url?: string;
}

interface Choice {
  choose_organization?: Array<{ id: string; name: string }>;
}

type Step = "email" | "password" | "choose";

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [step, setStep] = useState<Step>("email");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [ssoUrl, setSsoUrl] = useState<string | null>(null);
  const [choices, setChoices] = useState<Array<{ id: string; name: string }>>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function findWhere() {
    const found = await call<Discovery>("POST", "/api/sso/discover", { email });
    if (found.sso && found.login_url && found.enforced) {
      window.location.assign(found.login_url);
      return;
    }
    setSsoUrl(found.sso && found.login_url ? found.login_url : null);
    setStep("password");
  }

  async function passwordSignIn(organization?: string) {
    const answer = await call<Choice>("POST", "/api/session", {
      email,
      password,
      ...(organization ? { organization } : {}),
    });
    if (answer.choose_organization) {
      setChoices(answer.choose_organization);
      setStep("choose");
      return;
    }
    onSignedIn(await call<Session>("GET", "/api/session"));
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
    if (step === "email") void run(findWhere);
    else if (step === "password") void run(() => passwordSignIn());
  }

  function startOver() {
    setStep("email");
    setPassword("");
    setError(null);
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </div>
        <h1 id="sign-in-title">{step === "choose" ? "Choose an organisation" : "Sign in"}</h1>
        <p className="muted">Your conversations are encrypted and readable only by you.</p>
        {step === "email" ? (
          <label>
            Work email
            <input
              name="email"
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              placeholder="you@company.com"
              autoComplete="username"
              autoFocus
            />
          </label>
        ) : (
          <p className="sign-in-email">
            <span>{email}</span>
            <button type="button" className="button ghost small" onClick={startOver}>
              Change
            </button>
          </p>
        )}
        {step === "password" && (
          <>
            <label>
              Password
              <input
                name="password"
                type="password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                autoComplete="current-password"
                autoFocus
              />
            </label>
            {ssoUrl && (
              <button
                type="button"
                className="button secondary"
                onClick={() => window.location.assign(ssoUrl)}
              >
                Continue with single sign-on
              </button>
            )}
          </>
        )}
        {step === "choose" && (
          <ul className="choice-list" aria-label="Your organisations">
            {choices.map((choice) => (
              <li key={choice.id}>
                <button
                  type="button"
                  className="button secondary"
                  disabled={busy}
                  onClick={() => void run(() => passwordSignIn(choice.id))}
                >
                  {choice.name}
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {step !== "choose" && (
          <button type="submit" className="button primary" disabled={busy}>
            {step === "email" ? (busy ? "Looking…" : "Continue") : busy ? "Signing in…" : "Sign in"}
          </button>
        )}
        <a className="link" href="/trust">
          How Custodian protects your data
        </a>
      </form>
    </main>
  );
}
