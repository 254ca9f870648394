// The open conversation's state and what the user does in it: send (a new chat starts at once), edit
// and resend, regenerate, switch versions, stop. The user's question shows at once; a failure shows
// where the answer would be, and a question that was never saved gives its text back to the composer.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, call, stream, type Conversation, type ConversationSummary, type Message } from "../api.ts";
import { navigate } from "../router.ts";
import { describeChatFailure, streamError, type ChatFailure } from "./failures.ts";
import { branchOf } from "./thread.ts";

export interface Pending {
  /** The question on its way, shown before the server has it (null when regenerating). */
  question: Message | null;
  /** Where the new branch starts: the question's parent, or the question answered again. */
  after: string | null;
  /** The answer so far; null before its first word. */
  answer: string | null;
  failure: (ChatFailure & { retry: () => void }) | null;
  stopped: boolean;
}

export interface ChatCallbacks {
  /** A new conversation was made: the list shows it at once. */
  onCreated: (summary: ConversationSummary) => void;
  /** A conversation changed (a new message, a title): the list moves it up. */
  onChanged: (summary: ConversationSummary) => void;
  /** Put text back into the composer (only if the user has not typed something new there). */
  restoreDraft: (text: string) => void;
}

const untitled = (content: string) => content.replace(/\s+/g, " ").trim().slice(0, 60) || null;

export function useChat(
  conversationId: string | null,
  model: string,
  callbacks: ChatCallbacks,
  /** Knowledge collections the answers draw on (besides the conversation's attachments). */
  collectionIds: readonly string[] = [],
) {
  const knowledge = collectionIds.length ? { collection_ids: collectionIds } : {};
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const controller = useRef<AbortController | null>(null);
  /** The conversation this screen made itself: its first load must not wipe what is on screen. */
  const madeHere = useRef<string | null>(null);
  const latest = useRef(callbacks);
  latest.current = callbacks;

  const load = useCallback(async (id: string): Promise<Conversation | null> => {
    try {
      const loaded = await call<Conversation>("GET", `/api/conversations/${id}`);
      setConversation(loaded);
      setLoadError(null);
      return loaded;
    } catch (failure) {
      setLoadError(failure instanceof ApiError ? failure.message : "Could not open the conversation.");
      return null;
    }
  }, []);

  useEffect(() => {
    if (conversationId && madeHere.current === conversationId) return;
    madeHere.current = null;
    controller.current?.abort();
    setPending(null);
    setConversation(null);
    setLoadError(null);
    if (conversationId) void load(conversationId);
  }, [conversationId, load]);

  const streaming = pending !== null && pending.failure === null && !pending.stopped;

  /** Run one answer: POST `path`, show the question and the answer as they come. */
  async function run(
    id: string,
    path: string,
    body: Record<string, unknown>,
    shown: Pick<Pending, "question" | "after">,
    retry: () => void,
  ) {
    const abort = new AbortController();
    controller.current = abort;
    let saved = shown.question === null;
    let savedQuestion: string | null = null;
    setPending({ ...shown, answer: null, failure: null, stopped: false });
    const add = (message: Message) =>
      setConversation((current) =>
        current && current.id === id
          ? { ...current, messages: [...current.messages, message], active_message_id: message.id }
          : current,
      );
    try {
      await stream(
        path,
        body,
        (event) => {
          const error = streamError(event);
          if (error) throw error;
          if (event.type === "saved") {
            saved = true;
            const message = event.message as Message;
            savedQuestion = message.id;
            add(message);
            setPending((current) => current && { ...current, question: null, after: message.id });
          } else if (event.type === "delta") {
            setPending(
              (current) => current && { ...current, answer: (current.answer ?? "") + String(event.text) },
            );
          } else if (event.type === "done") {
            if (event.message) add(event.message as Message);
            setPending(null);
          }
        },
        abort.signal,
      );
    } catch (failure) {
      if (abort.signal.aborted) {
        // Stopped: the server keeps what was said, marked as stopped; read it back.
        setPending((current) => current && { ...current, stopped: true });
        for (let attempt = 0; attempt < 20; attempt += 1) {
          const loaded = await load(id);
          const leaf = loaded?.messages.find((message) => message.id === loaded.active_message_id);
          if (!loaded || leaf?.role === "assistant" || attempt === 19) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        setPending(null);
        return;
      }
      const described = describeChatFailure(failure, !saved);
      if (!saved && shown.question) latest.current.restoreDraft(shown.question.content);
      setPending((current) => ({
        question: current?.question ?? null,
        after: current?.after ?? shown.after,
        answer: current?.answer ?? null,
        stopped: false,
        // Once the question is saved, retrying answers it again rather than sending it twice.
        failure: { ...described, retry: savedQuestion ? () => void answer(id, savedQuestion!) : retry },
      }));
      return;
    } finally {
      if (controller.current === abort) controller.current = null;
    }
    const loaded = await load(id);
    if (loaded) latest.current.onChanged(loaded);
  }

  /** The open conversation's id; a new chat is made first when there is none (its title hint). */
  async function ensure(title: string | null): Promise<string> {
    if (conversation) return conversation.id;
    const created = await call<Conversation>("POST", "/api/conversations", { model });
    madeHere.current = created.id;
    setConversation({ ...created, system_prompt: null, active_message_id: null, messages: [] });
    latest.current.onCreated({ ...created, title: created.title ?? title });
    navigate(`/c/${created.id}`);
    return created.id;
  }

  async function send(content: string, parentId?: string | null) {
    if (streaming || !model) return;
    const question: Message = {
      id: `pending-${Date.now()}`,
      parent_id: parentId ?? null,
      role: "user",
      content,
      model: null,
      stopped: false,
      created_at: new Date().toISOString(),
    };
    const after = parentId === undefined ? (conversation?.active_message_id ?? null) : parentId;
    const retry = () => void send(content, parentId);
    let id = conversation?.id;
    if (!id) {
      setPending({ question, after: null, answer: null, failure: null, stopped: false });
      try {
        id = await ensure(untitled(content));
      } catch (failure) {
        latest.current.restoreDraft(content);
        setPending({
          question,
          after: null,
          answer: null,
          stopped: false,
          failure: { ...describeChatFailure(failure, true), retry },
        });
        return;
      }
    }
    await run(
      id,
      `/api/conversations/${id}/messages`,
      { content, model, ...knowledge, ...(parentId === undefined ? {} : { parent_id: parentId }) },
      { question: { ...question, parent_id: after }, after },
      retry,
    );
  }

  async function answer(id: string, questionId: string): Promise<void> {
    await run(
      id,
      `/api/conversations/${id}/regenerate`,
      { model, message_id: questionId, ...knowledge },
      { question: null, after: questionId },
      () => void answer(id, questionId),
    );
  }

  async function regenerate(questionId: string) {
    if (!conversation || streaming || !model) return;
    await answer(conversation.id, questionId);
  }

  async function showVersion(messageId: string) {
    if (!conversation || streaming) return;
    try {
      setConversation(
        await call<Conversation>("POST", `/api/conversations/${conversation.id}/branch`, {
          message_id: messageId,
        }),
      );
    } catch (failure) {
      setLoadError(failure instanceof ApiError ? failure.message : "Could not show that version.");
    }
  }

  function stop() {
    controller.current?.abort();
  }

  function dismiss() {
    setPending(null);
  }

  const messages = conversation?.messages ?? [];
  const shownBranch = pending
    ? branchOf(messages, pending.after)
    : branchOf(messages, conversation?.active_message_id ?? null);

  return {
    conversation,
    setConversation,
    loadError,
    pending,
    streaming,
    branch: pending?.question ? [...shownBranch, pending.question] : shownBranch,
    send,
    ensure,
    regenerate,
    showVersion,
    stop,
    dismiss,
    reload: load,
  };
}
