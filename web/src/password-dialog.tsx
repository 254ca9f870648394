// A member changes their own password: the current one, then the new one twice. Their other sessions
// end; this one stays signed in.
import { useState, type FormEvent } from "react";
import { ApiError, call } from "./api.ts";
import { Dialog } from "./dialog.tsx";

export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== repeat) {
      setMessage({ error: true, text: "The two new passwords are not the same." });
      return;
    }
    setBusy(true);
    try {
      const result = await call<{ other_sessions_ended: number }>("PUT", "/api/session/password", {
        current_password: current,
        new_password: next,
      });
      setMessage({
        error: false,
        text: `Password changed. ${result.other_sessions_ended} other session(s) signed out.`,
      });
      setCurrent("");
      setNext("");
      setRepeat("");
    } catch (failure) {
      setMessage({
        error: true,
        text: failure instanceof ApiError ? failure.message : "Could not reach Custodian.",
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Change password" onClose={onClose}>
      <form className="password-form" onSubmit={submit}>
        <label>
          Current password
          <input
            type="password"
            required
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            autoComplete="current-password"
          />
        </label>
        <label>
          New password (12 characters or more)
          <input
            type="password"
            required
            minLength={12}
            value={next}
            onChange={(event) => setNext(event.target.value)}
            autoComplete="new-password"
          />
        </label>
        <label>
          Repeat the new password
          <input
            type="password"
            required
            minLength={12}
            value={repeat}
            onChange={(event) => setRepeat(event.target.value)}
            autoComplete="new-password"
          />
        </label>
        {message && (
          <p className={message.error ? "error" : "muted"} role={message.error ? "alert" : "status"}>
            {message.text}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Saving…" : "Change password"}
        </button>
      </form>
    </Dialog>
  );
}
