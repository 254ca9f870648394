// Chatting in a conversation: save the user's message durably, stream the model's answer through the
// same model router as /v1, then save the answer (also when the user stops it part-way).
import { newId } from "../core/ids.ts";
import type { ChatMessage, Usage } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { ConversationService, Member, StoredMessage } from "./conversation-service.ts";

export type ChatEvent =
  | { type: "saved"; message: StoredMessage }
  | { type: "delta"; text: string }
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

  constructor(dependencies: { conversations: ConversationService; models: ModelRouter; gate?: ModelGate }) {
    this.#conversations = dependencies.conversations;
    this.#models = dependencies.models;
    this.#gate = dependencies.gate ?? (async () => undefined);
  }

  /** Send a user message and stream the answer. */
  async *send(
    member: Member,
    conversationId: string,
    input: { content: string; model?: string },
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent> {
    const { summary } = await this.#conversations.get(member, conversationId);
    const modelId = input.model ?? summary.model;
    await this.#gate(member, modelId);
    this.#models.get(modelId);
    for (const meter of this.meters) await meter.admit(member, modelId);
    const saved = await this.#conversations.append(member, conversationId, {
      role: "user",
      content: input.content,
    });
    if (summary.title === null) {
      const title = input.content.replace(/\s+/g, " ").trim().slice(0, untitledLength);
      if (title) await this.#conversations.rename(member, conversationId, title);
    }
    yield { type: "saved", message: saved };
    yield* this.#answer(member, conversationId, modelId, signal);
  }

  /** Drop the last answer and ask the model again. */
  async *regenerate(
    member: Member,
    conversationId: string,
    input: { model?: string },
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent> {
    const { summary } = await this.#conversations.get(member, conversationId);
    const modelId = input.model ?? summary.model;
    await this.#gate(member, modelId);
    this.#models.get(modelId);
    for (const meter of this.meters) await meter.admit(member, modelId);
    await this.#conversations.dropLastAssistantMessage(member, conversationId);
    yield* this.#answer(member, conversationId, modelId, signal);
  }

  async *#answer(
    member: Member,
    conversationId: string,
    modelId: string,
    signal: AbortSignal,
  ): AsyncIterable<ChatEvent> {
    const model = this.#models.get(modelId);
    const { messages } = await this.#conversations.get(member, conversationId);
    const history: ChatMessage[] = messages.map((message) => ({
      role: message.role,
      content: message.content,
    }));
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
      const answer = { requestId: newId("req"), member, model: modelId, usage, status, startedAt };
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
        })
      : null;
    yield { type: "done", message: answer };
  }
}
