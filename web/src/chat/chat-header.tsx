// The open conversation's top bar: its title (renamed in place), the model picker (shared models, the
// organisation's fine-tuned ones), and its menu: system prompt, pin, share, delete (confirmed inline).
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { describeFailure, type Conversation, type ConversationSummary, type Model } from "../api.ts";
import {
  deleteConversation,
  deleteWarning,
  pinConversation,
  renameConversation,
} from "./conversation-actions.ts";
import { TextDialog } from "./text-dialog.tsx";

function ModelPicker({
  models,
  model,
  onModel,
}: {
  models: Model[];
  model: string;
  onModel: (id: string) => void;
}) {
  const shared = models.filter((item) => !item.fine_tuned);
  const tuned = models.filter((item) => item.fine_tuned);
  return (
    <label className="model-picker">
      <span className="visually-hidden">Model</span>
      <select value={model} onChange={(event) => onModel(event.target.value)} aria-label="Model">
        {!model && models.length > 0 && <option value="">Choose a model</option>}
        {shared.map((item) => (
          <option key={item.id} value={item.id}>
            {item.demo ? `${item.id} (demo model)` : item.id}
          </option>
        ))}
        {tuned.length > 0 && (
          <optgroup label="Your organisation's fine-tuned models">
            {tuned.map((item) => (
              <option key={item.id} value={item.id}>
                {item.id}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}

export function ChatHeader({
  conversation,
  models,
  model,
  onModel,
  onChanged,
  onSystemPrompt,
  onShare,
  onDeleted,
}: {
  conversation: Conversation | null;
  models: Model[];
  model: string;
  onModel: (id: string) => void;
  onChanged: (summary: ConversationSummary) => void;
  onSystemPrompt: (prompt: string | null) => Promise<void>;
  /** Absent when the "sharing" switch is off for the member: no Share button then. */
  onShare?: (() => void) | undefined;
  onDeleted: () => void;
}) {
  const [mode, setMode] = useState<"idle" | "menu" | "rename" | "delete" | "prompt">("idle");
  const [title, setTitle] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const name = conversation?.title ?? "New conversation";

  useEffect(() => {
    setMode("idle");
    setProblem(null);
  }, [conversation?.id]);
  useEffect(() => {
    if (mode === "menu" || mode === "delete") menu.current?.querySelector("button")?.focus();
  }, [mode]);

  function close() {
    setMode("idle");
    menuButton.current?.focus();
  }
  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape" && mode !== "idle") {
      event.stopPropagation();
      close();
    }
  }
  async function attempt(action: () => Promise<void>) {
    setProblem(null);
    try {
      await action();
    } catch (failure) {
      setProblem(describeFailure(failure, "That did not work. Try again."));
    }
  }

  return (
    <div className="chat-header" onKeyDown={onKeyDown}>
      {mode === "rename" && conversation ? (
        <form
          className="rename-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (title.trim())
              void attempt(async () => {
                onChanged(await renameConversation(conversation.id, title.trim()));
                close();
              });
          }}
        >
          <label className="visually-hidden" htmlFor="rename-title">
            Conversation title
          </label>
          <input
            id="rename-title"
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
        </form>
      ) : (
        <h1 className="chat-title" title={name}>
          {name}
        </h1>
      )}
      <ModelPicker models={models} model={model} onModel={onModel} />
      {conversation && (
        <div className="header-menu">
          <button
            type="button"
            ref={menuButton}
            className="icon-button"
            aria-label="Conversation options"
            aria-expanded={mode === "menu" || mode === "delete"}
            onClick={() => setMode(mode === "menu" ? "idle" : "menu")}
          >
            ⋯
          </button>
          {mode === "menu" && (
            <div className="row-menu" ref={menu} role="group" aria-label="Conversation options">
              <button
                type="button"
                onClick={() => {
                  setTitle(conversation.title ?? "");
                  setMode("rename");
                }}
              >
                Rename
              </button>
              <button
                type="button"
                onClick={() =>
                  void attempt(async () => {
                    onChanged(await pinConversation(conversation.id, !conversation.pinned));
                    close();
                  })
                }
              >
                {conversation.pinned ? "Unpin" : "Pin"}
              </button>
              <button type="button" onClick={() => setMode("prompt")}>
                System prompt
              </button>
              {onShare && (
                <button
                  type="button"
                  onClick={() => {
                    setMode("idle");
                    onShare();
                  }}
                >
                  Share
                </button>
              )}
              <button type="button" className="danger-text" onClick={() => setMode("delete")}>
                Delete
              </button>
            </div>
          )}
          {mode === "delete" && (
            <div
              className="row-menu confirm-menu"
              ref={menu}
              role="group"
              aria-label="Delete this conversation?"
            >
              <p>
                <strong>Delete this conversation?</strong> {deleteWarning}
              </p>
              <div className="actions">
                <button
                  type="button"
                  className="button small danger"
                  onClick={() =>
                    void attempt(async () => {
                      await deleteConversation(conversation.id);
                      setMode("idle");
                      onDeleted();
                    })
                  }
                >
                  Delete
                </button>
                <button type="button" className="button small" onClick={close}>
                  Cancel
                </button>
              </div>
            </div>
          )}
        </div>
      )}
      {problem && (
        <p className="error header-error" role="alert">
          {problem}
        </p>
      )}
      {mode === "prompt" && conversation && (
        <TextDialog
          title="System prompt for this chat"
          label="Instructions for the model in this chat"
          description="Sent before every message in this chat, after your custom instructions. Stored encrypted with the conversation."
          initial={conversation.system_prompt ?? ""}
          onClose={() => setMode("idle")}
          onSave={onSystemPrompt}
        />
      )}
    </div>
  );
}
