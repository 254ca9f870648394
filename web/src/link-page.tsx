// The page an invitation or password-reset link opens: says which organisation and address it is for,
// asks for a password (twice), then signs the person in. The link's token is read from the fragment,
// which the browser never sends to the server on its own, and removed from the address bar.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, call, type Session } from "./api.ts";
import { navigate } from "./router.ts";

interface Preview {
  purpose: "invite" | "reset";
  email: string;
  organization: { id: string; name: string };
  role: string | null;
  expires_at: string;
}

function takeToken(): string {
  const token = window.location.hash.slice(1);
  if (token) window.history.replaceState(null, "", window.location.pathname);
  return token;
}

export function LinkPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token] = useState(takeToken);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) {
      setError("This link is incomplete: open the whole link from your invitation.");
      return;
    }
    call<Preview>("POST", "/api/links/preview", { token })
      .then(setPreview)
      .catch((failure) =>
        setError(failure instanceof ApiError ? failure.message : "Could not reach Custodian."),
      );
  }, [token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== confirm) {
      setError("The two passwords are not the same.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call("POST", "/api/links/redeem", {
        token,
        password,
        ...(preview?.purpose === "invite" && name.trim() ? { display_name: name.trim() } : {}),
      });
      const session = await call<Session>("GET", "/api/session");
      navigate("/");
      onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Could not reach Custodian.");
    } finally {
      setBusy(false);
    }
  }

  const inviting = preview?.purpose !== "reset";
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="link-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </div>
        <h1 id="link-title">{inviting ? "Join your organisation" : "Set a new password"}</h1>
        {preview && (
          <p className="muted">
            {inviting
              ? `You are invited to ${preview.organization.name} as ${preview.email}${preview.role ? ` (${preview.role})` : ""}. Choose a password to finish.`
              : `For ${preview.email} at ${preview.organization.name}. Your other sessions end when you save it.`}
          </p>
        )}
        {preview && (
          <>
            {inviting && (
              <label>
                Your name
                <input
                  name="name"
                  value={name}
                  onChange={(event) => setName(event.target.value)}
                  autoComplete="name"
                />
              </label>
            )}
            <input type="hidden" name="username" value={preview.email} autoComplete="username" />
            <label>
              New password (12 characters or more)
              <input
                name="new-password"
                type="password"
                required
                minLength={12}
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                autoComplete="new-password"
              />
            </label>
            <label>
              Repeat the password
              <input
                name="confirm-password"
                type="password"
                required
                minLength={12}
                value={confirm}
                onChange={(event) => setConfirm(event.target.value)}
                autoComplete="new-password"
              />
            </label>
          </>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {preview && (
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? "Saving…" : inviting ? "Join and sign in" : "Save and sign in"}
          </button>
        )}
        <a className="link" href="/">
          Go to sign-in
        </a>
      </form>
    </main>
  );
}
