// One conversation in the list: open it, or from its menu rename it in place, pin it, share it, or
// delete it after an inline confirmation (no browser dialogs).
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { describeFailure, type ConversationSummary } from "../api.ts";
import {
  deleteConversation,
  deleteWarning,
  pinConversation,
  renameConversation,
} from "./conversation-actions.ts";

export interface RowCallbacks {
  onOpen: (id: string) => void;
  onChanged: (summary: ConversationSummary) => void;
  onDeleted: (id: string) => void;
  /** Absent when the "sharing" switch is off for the member: no Share button then. */
  onShare?: ((id: string) => void) | undefined;
}

type Mode = "idle" | "menu" | "rename" | "delete";

export function ConversationRow({
  item,
  active,
  callbacks,
}: {
  item: ConversationSummary;
  active: boolean;
  callbacks: RowCallbacks;
}) {
  const [mode, setMode] = useState<Mode>("idle");
  const [title, setTitle] = useState(item.title ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const firstChoice = useRef<HTMLButtonElement>(null);
  const name = item.title ?? "New conversation";

  useEffect(() => {
    if (mode === "menu") firstChoice.current?.focus();
  }, [mode]);

  function close() {
    setMode("idle");
    setProblem(null);
    menuButton.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape" && mode !== "idle") {
      event.stopPropagation();
      close();
    }
  }

  async function attempt(action: () => Promise<void>) {
    try {
      await action();
    } catch (failure) {
      setProblem(describeFailure(failure, "That did not work. Try again."));
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    await attempt(async () => {
      callbacks.onChanged(await renameConversation(item.id, title.trim()));
      close();
    });
  }

  if (mode === "rename")
    return (
      <form className="row-form" onSubmit={(event) => void rename(event)} onKeyDown={onKeyDown}>
        <label className="visually-hidden" htmlFor={`rename-${item.id}`}>
          New title for {name}
        </label>
        <input
          id={`rename-${item.id}`}
          value={title}
          maxLength={300}
          autoFocus
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="submit" className="button small primary">
          Save
        </button>
        <button type="button" className="button small" onClick={close}>
          Cancel
        </button>
        {problem && (
          <span className="visually-hidden" role="alert">
            {problem}
          </span>
        )}
      </form>
    );

  if (mode === "delete")
    return (
      <div className="row-form confirm" role="group" aria-label={`Delete ${name}?`} onKeyDown={onKeyDown}>
        <span className="confirm-text" title={deleteWarning}>
          Delete?
        </span>
        <button
          type="button"
          className="button small danger"
          autoFocus
          onClick={() =>
            void attempt(async () => {
              await deleteConversation(item.id);
              callbacks.onDeleted(item.id);
            })
          }
        >
          Delete
        </button>
        <button type="button" className="button small" onClick={close}>
          Cancel
        </button>
        {problem && (
          <span className="visually-hidden" role="alert">
            {problem}
          </span>
        )}
      </div>
    );

  return (
    <div className={active ? "conversation-row active" : "conversation-row"} onKeyDown={onKeyDown}>
      <button
        type="button"
        className="conversation"
        aria-current={active ? "page" : undefined}
        onClick={() => callbacks.onOpen(item.id)}
      >
        <span className="title">
          {item.pinned && (
            <span aria-label="Pinned" className="pin-mark">
              📌{" "}
            </span>
          )}
          {name}
        </span>
        {item.snippet && <span className="snippet">{item.snippet}</span>}
      </button>
      <button
        type="button"
        ref={menuButton}
        className="icon-button row-menu-button"
        aria-label={`Options for ${name}`}
        aria-expanded={mode === "menu"}
        onClick={() => setMode(mode === "menu" ? "idle" : "menu")}
      >
        ⋯
      </button>
      {mode === "menu" && (
        <div className="row-menu" role="group" aria-label={`Options for ${name}`}>
          <button
            ref={firstChoice}
            type="button"
            onClick={() => {
              setTitle(item.title ?? "");
              setMode("rename");
            }}
          >
            Rename
          </button>
          <button
            type="button"
            onClick={() =>
              void attempt(async () => {
                callbacks.onChanged(await pinConversation(item.id, !item.pinned));
                close();
              })
            }
          >
            {item.pinned ? "Unpin" : "Pin"}
          </button>
          {callbacks.onShare && (
            <button
              type="button"
              onClick={() => {
                setMode("idle");
                callbacks.onShare?.(item.id);
              }}
            >
              Share
            </button>
          )}
          <button type="button" className="danger-text" onClick={() => setMode("delete")}>
            Delete
          </button>
          {problem && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
