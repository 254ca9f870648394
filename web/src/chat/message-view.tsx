// One message of the branch shown: its text (answers as Markdown), its versions (`< 1/2 >`), and what
// can be done with it: copy, edit a question and resend it, answer a question again.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Message } from "../api.ts";
import { CopyButton } from "../copy-button.tsx";
import { Markdown } from "../markdown/markdown.tsx";
import { Citations } from "./citations.tsx";

export interface MessageActions {
  versions: Message[];
  busy: boolean;
  onShowVersion: (id: string) => void;
  onEdit: (content: string) => void;
  onRegenerate: () => void;
}

function Versions({ message, versions, busy, onShowVersion }: { message: Message } & MessageActions) {
  if (versions.length < 2) return null;
  const index = versions.findIndex((version) => version.id === message.id);
  const previous = versions[index - 1];
  const next = versions[index + 1];
  const noun = message.role === "user" ? "edit" : "version";
  return (
    <span className="versions" role="group" aria-label={`${noun}s of this message`}>
      <button
        type="button"
        className="icon-button"
        aria-label={`Previous ${noun}`}
        disabled={!previous || busy}
        onClick={() => previous && onShowVersion(previous.id)}
      >
        ‹
      </button>
      <span aria-live="polite">
        {index + 1}/{versions.length}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={`Next ${noun}`}
        disabled={!next || busy}
        onClick={() => next && onShowVersion(next.id)}
      >
        ›
      </button>
    </span>
  );
}

function Editor({
  initial,
  onSave,
  onCancel,
}: {
  initial: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape") {
      event.stopPropagation();
      onCancel();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (text.trim()) onSave(text.trim());
    }
  }
  return (
    <form
      className="edit-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) onSave(text.trim());
      }}
    >
      <label className="visually-hidden" htmlFor="edit-message">
        Edit your message
      </label>
      <textarea
        id="edit-message"
        ref={field}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        rows={3}
      />
      <div className="actions">
        <button type="submit" className="button primary small" disabled={!text.trim()}>
          Save and send
        </button>
        <button type="button" className="button small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function MessageView({
  message,
  actions,
  unsent,
}: {
  message: Message;
  actions: MessageActions | null;
  unsent?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const isAnswer = message.role === "assistant";
  const label = isAnswer ? "Answer" : message.role === "user" ? "Your message" : "System message";
  return (
    <article className={`message ${message.role}${unsent ? " unsent" : ""}`} aria-label={label}>
      {editing && actions ? (
        <Editor
          initial={message.content}
          onCancel={() => setEditing(false)}
          onSave={(text) => {
            setEditing(false);
            actions.onEdit(text);
          }}
        />
      ) : (
        <div className="bubble">
          {isAnswer ? <Markdown text={message.content} /> : <p className="plain-text">{message.content}</p>}
        </div>
      )}
      {message.citations && <Citations citations={message.citations} />}
      {message.stopped && <p className="stopped-mark">Stopped: this answer was cut short.</p>}
      {unsent && <p className="unsent-mark">Not sent</p>}
      {actions && !editing && (
        <div className="message-actions">
          <Versions message={message} {...actions} />
          <CopyButton
            text={message.content}
            label={isAnswer ? "Copy answer" : "Copy message"}
            className="button ghost small"
          />
          {message.role === "user" && (
            <button
              type="button"
              className="button ghost small"
              disabled={actions.busy}
              onClick={() => setEditing(true)}
            >
              Edit
            </button>
          )}
          {isAnswer && (
            <button
              type="button"
              className="button ghost small"
              disabled={actions.busy}
              onClick={actions.onRegenerate}
            >
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
}
