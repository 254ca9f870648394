// Files attached to the open conversation: attach one (a new chat is made first when needed), see each
// with its state, remove one. Answers in the conversation draw on them and cite them. A refused file
// (unsupported, encrypted, corrupt, too large, uploads switched off) says why.
import { useEffect, useRef, useState } from "react";
import { call, describeFailure, upload, type Attachment } from "../api.ts";

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function Attachments({
  conversationId,
  ensureConversation,
  disabled,
}: {
  conversationId: string | null;
  /** The conversation to attach to, made first when there is none yet. */
  ensureConversation: () => Promise<string>;
  disabled: boolean;
}) {
  const [attached, setAttached] = useState<Attachment[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setAttached([]);
    setError(null);
    if (!conversationId) return;
    let current = true;
    call<{ data: Attachment[] }>("GET", `/api/conversations/${conversationId}/attachments`)
      .then((list) => current && setAttached(list.data))
      .catch(
        (failure: unknown) =>
          current && setError(describeFailure(failure, "Could not list the attached files.")),
      );
    return () => {
      current = false;
    };
  }, [conversationId]);

  async function attach(file: File) {
    setBusy(true);
    setError(null);
    try {
      const id = await ensureConversation();
      const added = await upload<Attachment>(`/api/conversations/${id}/attachments`, file);
      setAttached((current) => [...current, added]);
    } catch (failure) {
      setError(describeFailure(failure, `Could not attach ${file.name}.`));
    } finally {
      setBusy(false);
      if (picker.current) picker.current.value = "";
    }
  }

  async function remove(attachment: Attachment) {
    if (!conversationId) return;
    setError(null);
    try {
      await call("DELETE", `/api/conversations/${conversationId}/attachments/${attachment.id}`);
      setAttached((current) => current.filter((item) => item.id !== attachment.id));
    } catch (failure) {
      setError(describeFailure(failure, `Could not remove ${attachment.filename}.`));
    }
  }

  return (
    <div className="attachments">
      <label className={`button ghost small${busy || disabled ? " disabled" : ""}`}>
        {busy ? "Attaching…" : "Attach file"}
        <input
          ref={picker}
          type="file"
          className="visually-hidden"
          disabled={busy || disabled}
          accept=".pdf,.docx,.pptx,.xlsx,.csv,.html,.htm,.md,.txt,text/*"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void attach(file);
          }}
        />
      </label>
      {attached.length > 0 && (
        <ul className="attachment-list" aria-label="Attached files">
          {attached.map((attachment) => (
            <li key={attachment.id} className="attachment-chip">
              <span>
                {attachment.filename}{" "}
                <span className="muted">
                  {attachment.pages === null ? "" : `${attachment.pages} p. · `}
                  {size(attachment.bytes)}
                </span>
              </span>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${attachment.filename}`}
                onClick={() => void remove(attachment)}
              >
                ×
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
    </div>
  );
}
