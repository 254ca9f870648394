// The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop (or Esc)
// stops it. The box stays usable, so a draft typed meanwhile is never lost.
import type { KeyboardEvent } from "react";

export function Composer({
  draft,
  onDraft,
  onSend,
  onStop,
  streaming,
  disabled,
  canSend,
  placeholder,
}: {
  draft: string;
  onDraft: (text: string) => void;
  onSend: () => void;
  onStop: () => void;
  streaming: boolean;
  disabled: boolean;
  canSend: boolean;
  placeholder: string;
}) {
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSend();
    }
  }
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <label className="visually-hidden" htmlFor="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        value={draft}
        onChange={(event) => onDraft(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder={placeholder}
        rows={2}
        disabled={disabled}
      />
      {streaming ? (
        <button type="button" className="button" onClick={onStop} aria-keyshortcuts="Escape">
          Stop
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={!draft.trim() || !canSend}>
          Send
        </button>
      )}
    </form>
  );
}
