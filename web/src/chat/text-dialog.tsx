// Edit a piece of text in a dialog: the user's custom instructions, or one chat's system prompt.
import { useState } from "react";
import { describeFailure } from "../api.ts";
import { Dialog } from "../dialog.tsx";

export function TextDialog({
  title,
  label,
  description,
  initial,
  onSave,
  onClose,
}: {
  title: string;
  label: string;
  description: string;
  initial: string;
  onSave: (text: string | null) => Promise<void>;
  onClose: () => void;
}) {
  const [text, setText] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          onSave(text.trim() || null)
            .then(onClose)
            .catch((failure) => setProblem(describeFailure(failure, "Not saved. Try again.")))
            .finally(() => setBusy(false));
        }}
      >
        <p className="muted">{description}</p>
        <label>
          {label}
          <textarea
            value={text}
            rows={6}
            maxLength={20000}
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={busy}>
            Save
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
