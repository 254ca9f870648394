// The chat workspace: the conversation list beside the open conversation, a model picker, streamed
// answers with stop and regenerate, rename, delete and export.
import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { AccessRequests } from "./access-requests.tsx";
import { ApiError, call, download, stream, type Conversation, type Message, type Session } from "./api.ts";
import { ConversationList } from "./conversation-list.tsx";
import { Markdown } from "./markdown.tsx";
import { navigate } from "./router.ts";

interface Model {
  id: string;
  owned_by: string;
  /** The built-in demo model: tiny, for trying Custodian out, not for real answers. */
  demo: boolean;
}

export function ChatPage({
  session,
  conversationId,
  onSignOut,
}: {
  session: Session;
  conversationId: string | null;
  onSignOut: () => void;
}) {
  const [models, setModels] = useState<Model[]>([]);
  const [model, setModel] = useState("");
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [draft, setDraft] = useState("");
  const [streaming, setStreaming] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; retry?: () => void } | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [exporting, setExporting] = useState<number | null>(null);
  const [isAdmin, setIsAdmin] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Anyone with a permission beyond chatting gets the admin console's link ("conversations.use" is
    // every member's).
    call<{ permissions: string[] }>("GET", "/api/admin/me")
      .then((me) => setIsAdmin(me.permissions.some((permission) => permission !== "conversations.use")))
      .catch(() => setIsAdmin(false));
  }, []);

  useEffect(() => {
    call<{ data: Model[] }>("GET", "/api/models")
      .then((result) => {
        setModels(result.data);
        setModel((current) => current || result.data[0]?.id || "");
      })
      .catch(() => setError({ message: "Could not load the models you may use." }));
  }, []);

  const load = useCallback(async (id: string) => {
    try {
      const loaded = await call<Conversation>("GET", `/api/conversations/${id}`);
      setConversation(loaded);
      setModel(loaded.model);
      setError(null);
    } catch (failure) {
      setConversation(null);
      setError({
        message: failure instanceof ApiError ? failure.message : "Could not open the conversation.",
      });
    }
  }, []);

  useEffect(() => {
    if (conversationId) void load(conversationId);
    else setConversation(null);
  }, [conversationId, load]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [conversation?.messages.length, streaming]);

  async function run(path: string, body: Record<string, unknown>, id: string, pending?: Message) {
    const abort = new AbortController();
    controller.current = abort;
    setStreaming("");
    setError(null);
    if (pending)
      setConversation((current) =>
        current ? { ...current, messages: [...current.messages, pending] } : current,
      );
    try {
      await stream(
        path,
        body,
        (event) => {
          if (event.type === "delta") setStreaming((text) => (text ?? "") + String(event.text));
          if (event.error) {
            const detail = event.error as { message?: string };
            setError({ message: detail?.message ?? "The answer failed.", retry: () => void regenerate() });
          }
        },
        abort.signal,
      );
    } catch (failure) {
      if (!(failure instanceof DOMException && failure.name === "AbortError")) {
        setError({
          message: failure instanceof ApiError ? failure.message : "The answer failed.",
          retry: () => void regenerate(),
        });
      }
    } finally {
      controller.current = null;
      setStreaming(null);
      await load(id);
      setRefreshKey((key) => key + 1);
    }
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const content = draft.trim();
    if (!content || streaming !== null || !model) return;
    let id = conversation?.id;
    if (!id) {
      try {
        const created = await call<Conversation>("POST", "/api/conversations", { model });
        id = created.id;
        setConversation({ ...created, messages: [] });
        navigate(`/c/${id}`);
      } catch (failure) {
        setError({
          message: failure instanceof ApiError ? failure.message : "Could not start a conversation.",
        });
        return;
      }
    }
    setDraft("");
    const pending: Message = {
      id: "pending",
      role: "user",
      content,
      model: null,
      created_at: new Date().toISOString(),
    };
    await run(`/api/conversations/${id}/messages`, { content, model }, id, pending);
  }

  async function regenerate() {
    if (!conversation || streaming !== null) return;
    setConversation({
      ...conversation,
      messages:
        conversation.messages.at(-1)?.role === "assistant"
          ? conversation.messages.slice(0, -1)
          : conversation.messages,
    });
    await run(`/api/conversations/${conversation.id}/regenerate`, { model }, conversation.id);
  }

  async function rename() {
    if (!conversation) return;
    const title = window.prompt("Rename conversation", conversation.title ?? "");
    if (!title?.trim()) return;
    await call("PATCH", `/api/conversations/${conversation.id}`, { title: title.trim() });
    await load(conversation.id);
    setRefreshKey((key) => key + 1);
  }

  async function remove() {
    if (!conversation) return;
    const sure = window.confirm(
      "Delete this conversation? It becomes unreadable at once (its encryption key is destroyed), and its stored data is removed within the hour.",
    );
    if (!sure) return;
    await call("DELETE", `/api/conversations/${conversation.id}`);
    setConversation(null);
    setRefreshKey((key) => key + 1);
    navigate("/");
  }

  /** The export can be large: show the bytes received, then hand the file over. */
  async function exportAll() {
    setExporting(0);
    try {
      await download("/api/export", "custodian-conversations.json", setExporting);
    } catch (failure) {
      setError({
        message: failure instanceof ApiError ? failure.message : "The export failed.",
        retry: () => void exportAll(),
      });
    } finally {
      setExporting(null);
    }
  }

  async function signOut() {
    await call("DELETE", "/api/session").catch(() => undefined);
    onSignOut();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  const messages = conversation?.messages ?? [];
  const lastIsAnswer = messages.at(-1)?.role === "assistant";

  return (
    <div className="workspace">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Custodian
        </div>
        <button type="button" className="button primary new-chat" onClick={() => navigate("/")}>
          New chat
        </button>
        <ConversationList
          activeId={conversation?.id ?? null}
          refreshKey={refreshKey}
          onOpen={(id) => navigate(`/c/${id}`)}
        />
        <footer className="sidebar-footer">
          <span className="who" title={session.user.email}>
            {session.user.display_name || session.user.email}
          </span>
          <button
            type="button"
            className="link"
            onClick={() => void exportAll()}
            disabled={exporting !== null}
          >
            {exporting === null ? "Export my data" : `Exporting… ${Math.round(exporting / 1024)} KB`}
          </button>
          <a className="link" href="/trust">
            Trust
          </a>
          {isAdmin && (
            <a className="link" href="/admin">
              Admin
            </a>
          )}
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </footer>
      </aside>
      <main className="chat">
        <header className="chat-header">
          <h1 className="chat-title">
            {conversation ? (
              <button type="button" className="title-button" onClick={() => void rename()} title="Rename">
                {conversation.title ?? "New conversation"}
              </button>
            ) : (
              "New conversation"
            )}
          </h1>
          {conversation?.kept_until && (
            <span className="badge" title="Your workspace's retention setting">
              kept until {new Date(conversation.kept_until).toLocaleDateString()}
            </span>
          )}
          <label className="model-picker">
            <span className="visually-hidden">Model</span>
            <select value={model} onChange={(event) => setModel(event.target.value)} aria-label="Model">
              {models.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.demo ? `${item.id} (demo model)` : item.id}
                </option>
              ))}
            </select>
          </label>
          {conversation && (
            <button type="button" className="button danger small" onClick={() => void remove()}>
              Delete
            </button>
          )}
        </header>
        <section className="messages" aria-live="polite">
          <AccessRequests />
          {messages.length === 0 && streaming === null && (
            <div className="empty-chat">
              <h2>What can I help with?</h2>
              <p className="muted">Only you can read this conversation. It is encrypted with its own key.</p>
            </div>
          )}
          {messages.map((message) => (
            <article key={message.id} className={`message ${message.role}`}>
              <div className="bubble">
                {message.role === "assistant" ? <Markdown text={message.content} /> : message.content}
              </div>
            </article>
          ))}
          {streaming !== null && (
            <article className="message assistant streaming">
              <div className="bubble">
                {streaming ? <Markdown text={streaming} /> : <span className="typing">Thinking…</span>}
              </div>
            </article>
          )}
          {lastIsAnswer && streaming === null && (
            <div className="message-actions">
              <button type="button" className="button ghost small" onClick={() => void regenerate()}>
                Regenerate
              </button>
            </div>
          )}
          {error && (
            <div className="error-box" role="alert">
              <span>{error.message}</span>
              {error.retry && (
                <button type="button" className="button small" onClick={error.retry}>
                  Retry
                </button>
              )}
            </div>
          )}
          <div ref={bottom} />
        </section>
        <form className="composer" onSubmit={(event) => void send(event)}>
          <label className="visually-hidden" htmlFor="composer-input">
            Message
          </label>
          <textarea
            id="composer-input"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
            placeholder={models.length ? "Message Custodian…" : "No models are available to you."}
            rows={2}
            disabled={!models.length}
          />
          {streaming !== null ? (
            <button type="button" className="button" onClick={() => controller.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="submit" className="button primary" disabled={!draft.trim() || !model}>
              Send
            </button>
          )}
        </form>
      </main>
    </div>
  );
}
