// Chatting in a conversation: save the user's message durably, stream the model's answer through the
// same model router as /v1 (the organisation's fine-tuned models included), then save the answer, marked
// stopped when the user stops it part-way. Edits and regenerations add branches; none is lost.
import { timeOrderedId } from "../core/ids.ts";
import type { ChatMessage, Usage } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import { sourcesPrompt, type ChatKnowledge, type Citation } from "./chat-knowledge.ts";
import type { ConversationService, Member, StoredMessage } from "./conversation-service.ts";
import { branchOf, type ConversationWithMessages } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

export type ChatEvent =
  | { type: "saved"; message: StoredMessage }
  | { type: "delta"; text: string }
  | { type: "citations"; citations: Citation[] }
  | { type: "done"; message: StoredMessage | null };

/** Decides whether a member may use a model (feature switches and allow-lists); throws 403 if not. */
export type ModelGate = (member: Member, modelId: string) => Promise<void>;

/** One answer as a meter sees it: who, which model, how many tokens. Never what was said. */
export interface MeteredAnswer {
  requestId: string;
  member: Member;
  model: string;
  usage: Usage | null;
  status: "completed" | "failed" | "cancelled";
  startedAt: Date;
}

/**
 * Token budgets and usage metering for answers. The workspace owns this seam; the platform wires the
 * usage domain into it, so answers count against their user's and groups' budgets like /v1 calls.
 */
export interface ChatMeter {
  /** Throw (a 429) to refuse an answer before the message is saved or any model work starts. */
  admit(member: Member, modelId: string): Promise<void>;
  /** Told after each answer; must not throw and must not block. */
  completed(answer: MeteredAnswer): void;
}

const untitledLength = 60;

export class ConversationChat {
  readonly #conversations: ConversationService;
  readonly #models: ModelRouter;
  readonly #gate: ModelGate;
  /** Asked before each answer and told after it (the platform adds the usage domain's meter). */
  readonly meters: ChatMeter[] = [];
  /** Where answers find document passages (the platform wires the documents domain); none by default. */
  knowledge: ChatKnowledge | null = null;

  constructor(dependencies: { conversations: ConversationService; models: ModelRouter; gate?: ModelGate }) {
    this.#conversations = dependencies.conversations;
    this.#models = dependencies.models;
    this.#gate = dependencies.gate ?? (async () => undefined);
  }

  /**
   * Check that the member may use the model, has budget left and may read the collections named, before
   * anything is saved.
   */
  async #admit(member: Member, modelId: string, collectionIds: readonly string[] = []): Promise<void> {
    if (collectionIds.length) await this.knowledge?.check(member, collectionIds);
    await this.#gate(member, modelId);
    // A model that is gone (or another organisation's) answers 404 model_not_found.
    await this.#models.resolve(modelId, member.organizationId);
    for (const meter of this.meters) await meter.admit(member, modelId);
  }

  /** The chat remembers the model last chosen for it. */
  async #remember(member: Member, conversation: ConversationWithMessages, modelId: string): Promise<void> {
    if (conversation.summary.model !== modelId)
      await this.#conversations.update(member, conversation.summary.id, { model: modelId });
  }

  /**
   * Send a user message and stream the answer. It follows `parentId` when given (an edit of a sent
   * message is a new sibling of it: its parent's id, or null for the first message), else the
   * message the user sees last.
   */
  async *send(
    member: Member,
    conversationId: string,
    input: { content: string; model?: string; parentId?: string | null; collectionIds?: readonly string[] },
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent> {
    const conversation = await this.#conversations.get(member, conversationId);
    const modelId = input.model ?? conversation.summary.model;
    await this.#admit(member, modelId, input.collectionIds);
    await this.#remember(member, conversation, modelId);
    const saved = await this.#conversations.append(member, conversationId, {
      role: "user",
      content: input.content,
      ...(input.parentId === undefined ? {} : { parentId: input.parentId }),
    });
    if (conversation.summary.title === null) {
      const title = input.content.replace(/\s+/g, " ").trim().slice(0, untitledLength);
      if (title) await this.#conversations.rename(member, conversationId, title);
    }
    yield { type: "saved", message: saved };
    yield* this.#answer(member, conversationId, saved.id, modelId, signal, input.collectionIds ?? []);
  }

  /**
   * Answer a user message again; earlier answers stay as versions. By default the message the user
   * sees last (or the one before it, when that is an answer).
   */
  async *regenerate(
    member: Member,
    conversationId: string,
    input: { model?: string; messageId?: string; collectionIds?: readonly string[] },
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent> {
    const conversation = await this.#conversations.get(member, conversationId);
    const byId = new Map(conversation.messages.map((message) => [message.id, message]));
    let question = byId.get(input.messageId ?? conversation.activeMessageId ?? "");
    if (question?.role === "assistant")
      question = question.parentId ? byId.get(question.parentId) : undefined;
    if (!question || question.role !== "user")
      throw workspaceErrors.invalid("There is no question to answer again.", "message_id");
    const modelId = input.model ?? conversation.summary.model;
    await this.#admit(member, modelId, input.collectionIds);
    await this.#remember(member, conversation, modelId);
    yield* this.#answer(member, conversationId, question.id, modelId, signal, input.collectionIds ?? []);
  }

  async *#answer(
    member: Member,
    conversationId: string,
    questionId: string,
    modelId: string,
    signal: AbortSignal,
    collectionIds: readonly string[],
  ): AsyncIterable<ChatEvent> {
    const model = await this.#models.resolve(modelId, member.organizationId);
    const conversation = await this.#conversations.get(member, conversationId);
    const { instructions } = await this.#conversations.preferences.get(member);
    const branch = branchOf(conversation.messages, questionId);
    const citations = await this.#cite(member, conversationId, branch.at(-1)?.content ?? "", collectionIds);
    const system = [instructions, conversation.systemPrompt, citations.length ? sourcesPrompt(citations) : ""]
      .filter(Boolean)
      .join("\n\n");
    const history: ChatMessage[] = [
      ...(system ? [{ role: "system" as const, content: system }] : []),
      ...branch.map((message) => ({ role: message.role, content: message.content })),
    ];
    if (citations.length) yield { type: "citations", citations };
    let text = "";
    let usage: Usage | null = null;
    let status: MeteredAnswer["status"] = "failed";
    const startedAt = new Date();
    try {
      for await (const part of model.stream({ model: modelId, messages: history }, { signal })) {
        if (part.type === "usage") usage = part.usage;
        else if (part.index === 0 && typeof part.delta.content === "string" && part.delta.content) {
          text += part.delta.content;
          yield { type: "delta", text: part.delta.content };
        }
      }
      status = signal.aborted ? "cancelled" : "completed";
    } catch (error) {
      // Stopped by the user: keep what was said so far. Any other failure propagates.
      if (!signal.aborted) throw error;
      status = "cancelled";
    } finally {
      const answer = { requestId: timeOrderedId("req"), member, model: modelId, usage, status, startedAt };
      for (const meter of this.meters) {
        try {
          meter.completed(answer);
        } catch {
          // Metering must never fail a chat.
        }
      }
    }
    const answer = text
      ? await this.#conversations.append(member, conversationId, {
          role: "assistant",
          content: text,
          model: modelId,
          usage,
          parentId: questionId,
          stopped: status === "cancelled",
          citations,
        })
      : null;
    yield { type: "done", message: answer };
  }

  /** The passages the question's answer is given, numbered for citing; none without knowledge. */
  async #cite(
    member: Member,
    conversationId: string,
    question: string,
    collectionIds: readonly string[],
  ): Promise<Citation[]> {
    const knowledge = this.knowledge;
    if (!knowledge || !question.trim()) return [];
    const passages = await knowledge.retrieve(member, conversationId, question, collectionIds);
    return passages.map((passage, index) => ({ number: index + 1, ...passage }));
  }
}
