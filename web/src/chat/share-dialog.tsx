// Share a conversation inside the organisation: a read-only snapshot of the branch shown, opened by a
// link that only signed-in members of the same organisation can use; it can expire and be revoked.
import { useEffect, useState } from "react";
import { ApiError, call, describeFailure } from "../api.ts";
import { CopyButton } from "../copy-button.tsx";
import { Dialog } from "../dialog.tsx";

interface Share {
  id: string;
  path: string;
  created_at: string;
  expires_at: string | null;
  revoked: boolean;
}

export function ShareDialog({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const [shares, setShares] = useState<Share[]>([]);
  const [days, setDays] = useState("7");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/api/conversations/${conversationId}/shares`;

  useEffect(() => {
    call<{ data: Share[] }>("GET", path)
      .then((result) => setShares(result.data))
      .catch((failure) => setProblem(describeFailure(failure, "Could not load this conversation's links.")));
  }, [path]);

  async function create() {
    setBusy(true);
    setProblem(null);
    try {
      const share = await call<Share>("POST", path, {
        expires_in_days: days === "never" ? null : Number(days),
      });
      setShares((current) => [share, ...current]);
    } catch (failure) {
      setProblem(
        failure instanceof ApiError && failure.code === "feature_disabled"
          ? "Your organisation has turned sharing off for you."
          : describeFailure(failure, "The link was not made. Try again."),
      );
    } finally {
      setBusy(false);
    }
  }

  async function revoke(id: string) {
    try {
      await call("DELETE", `/api/shares/${id}`);
      setShares((current) => current.map((share) => (share.id === id ? { ...share, revoked: true } : share)));
    } catch (failure) {
      setProblem(describeFailure(failure, "The link was not revoked. Try again."));
    }
  }

  const live = shares.filter(
    (share) => !share.revoked && (!share.expires_at || Date.parse(share.expires_at) > Date.now()),
  );
  return (
    <Dialog title="Share this conversation" onClose={onClose}>
      <p className="muted">
        People signed in to your organisation can read a copy of this conversation as it is now. No one
        outside it can open the link. Opening it is recorded in the audit log.
      </p>
      <div className="actions">
        <label className="inline-label">
          Link expires
          <select value={days} onChange={(event) => setDays(event.target.value)}>
            <option value="1">after 1 day</option>
            <option value="7">after 7 days</option>
            <option value="30">after 30 days</option>
            <option value="never">never</option>
          </select>
        </label>
        <button type="button" className="button primary" disabled={busy} onClick={() => void create()}>
          Create link
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ul className="share-list" aria-label="Links to this conversation">
        {live.map((share) => {
          const url = `${window.location.origin}${share.path}`;
          return (
            <li key={share.id} className="share-item">
              <a href={share.path} className="share-link">
                {url}
              </a>
              <span className="muted small-text">
                {share.expires_at
                  ? `expires ${new Date(share.expires_at).toLocaleDateString()}`
                  : "does not expire"}
              </span>
              <span className="actions">
                <CopyButton text={url} label="Copy link" className="button small" />
                <button type="button" className="button small danger" onClick={() => void revoke(share.id)}>
                  Revoke
                </button>
              </span>
            </li>
          );
        })}
      </ul>
    </Dialog>
  );
}
