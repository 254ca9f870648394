// The chat workspace: the conversation list (a drawer on phones) beside the open conversation, with its
// model picker, its menu (system prompt, share, delete), the branch shown, and the composer.
import { useEffect, useRef, useState } from "react";
import { AccessRequests } from "../access-requests.tsx";
import { call, type ConversationSummary, type Model, type PreparingModel, type Session } from "../api.ts";
import { AppShell } from "../app-shell.tsx";
import { navigate } from "../router.ts";
import { ChatHeader } from "./chat-header.tsx";
import { ChatSidebar } from "./chat-sidebar.tsx";
import { Attachments } from "./attachments.tsx";
import { Composer } from "./composer.tsx";
import { KnowledgePicker } from "./knowledge-picker.tsx";
import type { ListUpdate } from "./conversation-list.tsx";
import { MessageView } from "./message-view.tsx";
import { ShareDialog } from "./share-dialog.tsx";
import { versionsOf } from "./thread.ts";
import { useChat } from "./use-chat.ts";

function summaryOf(conversation: ConversationSummary): ConversationSummary {
  const { id, title, model, created_at, updated_at, kept_until, pinned } = conversation;
  return { id, title, model, created_at, updated_at, kept_until, pinned };
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
  const [models, setModels] = useState<Model[] | null>(null);
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [preparing, setPreparing] = useState<PreparingModel[]>([]);
  const [model, setModel] = useState("");
  const [draft, setDraft] = useState("");
  const [update, setUpdate] = useState<ListUpdate | null>(null);
  const [sharing, setSharing] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const push = (summary: ConversationSummary) =>
    setUpdate((current) => ({ summary: summaryOf(summary), seq: (current?.seq ?? 0) + 1 }));

  // The knowledge collections this chat's answers draw on (its Knowledge menu); kept while the page is open.
  const [collectionIds, setCollectionIds] = useState<string[]>([]);
  const chat = useChat(
    conversationId,
    model,
    {
      onCreated: push,
      onChanged: push,
      restoreDraft: (text) => setDraft((current) => (current.trim() ? current : text)),
    },
    collectionIds,
  );
  const { conversation, pending, streaming } = chat;

  // CTL-2: the Share buttons show only while the "sharing" switch is on for the member.
  const [sharingOn, setSharingOn] = useState(false);
  useEffect(() => {
    call<{ features?: Record<string, boolean> }>("GET", "/api/admin/me")
      .then((me) => setSharingOn(me.features?.sharing !== false))
      .catch(() => setSharingOn(false));
  }, []);

  useEffect(() => {
    // While a model is being prepared (the demo model's first build), ask again every few seconds.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      call<{ data: Model[]; preparing?: PreparingModel[] }>("GET", "/api/models")
        .then((result) => {
          setModels(result.data);
          setPreparing(result.preparing ?? []);
          if (result.preparing?.length) timer = setTimeout(load, 3000);
        })
        .catch(() => setModelsError("Could not load the models you may use. Reload the page to try again."));
    void load();
    return () => clearTimeout(timer);
  }, []);

  // A chat uses its own model when it is still offered; a new chat the first model offered.
  const available = (id: string) => models?.some((item) => item.id === id) ?? false;
  const conversationModel = conversation?.model ?? null;
  useEffect(() => {
    if (!models) return;
    if (conversationModel) setModel(available(conversationModel) ? conversationModel : "");
    else setModel((current) => (current && available(current) ? current : (models[0]?.id ?? "")));
  }, [models, conversationModel, conversation?.id]);
  const modelGone = Boolean(models && conversationModel && !available(conversationModel) && !model);

  // Esc stops an answer that is streaming.
  useEffect(() => {
    if (!streaming) return;
    const onKey = (event: KeyboardEvent) => {
      // Esc in a dialog or the open drawer closes that instead.
      if (
        event.key === "Escape" &&
        !event.defaultPrevented &&
        !document.querySelector("dialog[open], .drawer-open")
      )
        chat.stop();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [streaming, chat]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [chat.branch.length, pending?.answer, pending?.failure]);

  function send() {
    const content = draft.trim();
    if (!content || streaming || !model) return;
    setDraft("");
    void chat.send(content);
  }

  const busy = streaming;
  const lastId = chat.branch.at(-1)?.id;
  return (
    <AppShell
      className="workspace"
      sidebarLabel="Conversations"
      skipTo={{ id: "composer-input", label: "Skip to the message box" }}
      sidebar={
        <ChatSidebar
          session={session}
          activeId={conversation?.id ?? null}
          update={update}
          onShare={sharingOn ? setSharing : undefined}
          onDeleted={(id) => {
            if (id === conversation?.id) navigate("/");
          }}
          onSignOut={onSignOut}
        />
      }
      topBar={
        <ChatHeader
          conversation={conversation}
          models={models ?? []}
          model={model}
          onModel={setModel}
          onChanged={(summary) => {
            chat.setConversation((current) => (current ? { ...current, ...summary } : current));
            push(summary);
          }}
          onSystemPrompt={async (prompt) => {
            if (!conversation) return;
            await call("PATCH", `/api/conversations/${conversation.id}`, { system_prompt: prompt });
            chat.setConversation((current) => (current ? { ...current, system_prompt: prompt } : current));
          }}
          onShare={sharingOn ? () => conversation && setSharing(conversation.id) : undefined}
          onDeleted={() => {
            const removed = conversation?.id;
            setUpdate((current) => ({ removed, seq: (current?.seq ?? 0) + 1 }));
            navigate("/");
          }}
        />
      }
    >
      <main className="chat" id="main">
        <section className="messages" aria-label="Messages">
          <AccessRequests />
          {chat.loadError && (
            <div className="error-box" role="alert">
              <span>{chat.loadError}</span>
              {conversationId && (
                <button
                  type="button"
                  className="button small"
                  onClick={() => void chat.reload(conversationId)}
                >
                  Retry
                </button>
              )}
            </div>
          )}
          {modelsError && (
            <p className="error" role="alert">
              {modelsError}
            </p>
          )}
          {modelGone && (
            <div className="notice" role="status">
              This chat's model, <code>{conversationModel}</code>, is no longer available to you. Choose
              another model above to go on.
            </div>
          )}
          {chat.branch.length === 0 && !pending && !chat.loadError && (
            <div className="empty-chat">
              <h2>What can I help with?</h2>
              <p className="muted">Only you can read this conversation. It is encrypted with its own key.</p>
            </div>
          )}
          {chat.branch.map((message) => {
            const unsent = message.id === pending?.question?.id && Boolean(pending?.failure?.unsent);
            const local = message.id.startsWith("pending-");
            return (
              <MessageView
                key={message.id}
                message={message}
                unsent={unsent}
                actions={
                  local || !conversation
                    ? null
                    : {
                        versions: versionsOf(conversation.messages, message),
                        busy,
                        onShowVersion: (id) => void chat.showVersion(id),
                        onEdit: (text) => void chat.send(text, message.parent_id),
                        onRegenerate: () => message.parent_id && void chat.regenerate(message.parent_id),
                      }
                }
              />
            );
          })}
          {pending && !pending.failure && (
            <article className="message assistant streaming" aria-label="Answer" aria-busy={!pending.stopped}>
              <div className="bubble">
                {pending.answer ? (
                  <p className="plain-text">{pending.answer}</p>
                ) : (
                  <span className="typing">Thinking…</span>
                )}
              </div>
              {pending.stopped && <p className="stopped-mark">Stopping…</p>}
            </article>
          )}
          {pending?.failure && (
            <div className="answer-failure" role="alert">
              <p>
                <strong>{pending.failure.unsent ? "Your message was not sent." : "No answer."}</strong>{" "}
                {pending.failure.message}
              </p>
              {pending.failure.unsent && <p className="muted">Your text is back in the message box.</p>}
              <div className="actions">
                <button
                  type="button"
                  className="button small primary"
                  disabled={!model}
                  onClick={() => {
                    if (pending.failure?.unsent)
                      setDraft((current) => (current.trim() === pending.question?.content ? "" : current));
                    pending.failure?.retry();
                  }}
                >
                  Retry
                </button>
                <button type="button" className="button small" onClick={chat.dismiss}>
                  Dismiss
                </button>
              </div>
            </div>
          )}
          <div ref={bottom} data-last={lastId} />
        </section>
        <div className="chat-sources">
          <Attachments
            conversationId={conversation?.id ?? null}
            ensureConversation={() => chat.ensure(null)}
            disabled={!model || streaming}
          />
          <KnowledgePicker chosen={collectionIds} onChosen={setCollectionIds} />
        </div>
        <Composer
          draft={draft}
          onDraft={setDraft}
          onSend={send}
          onStop={chat.stop}
          streaming={streaming}
          // Typing may start while the model list loads; sending waits for a model.
          disabled={models !== null && !models.length}
          canSend={Boolean(model)}
          placeholder={
            models && !models.length && preparing[0]
              ? `The model ${preparing[0].id} is being prepared (${Math.round(preparing[0].progress * 100)}%)…`
              : models && !models.length
                ? "No models are available to you."
                : modelGone
                  ? "Choose a model to go on…"
                  : "Message Custodian…"
          }
        />
      </main>
      {sharing && <ShareDialog conversationId={sharing} onClose={() => setSharing(null)} />}
    </AppShell>
  );
}
