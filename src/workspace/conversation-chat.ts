// Chatting in a conversation: save the user's message durably, stream the model's answer through the
// same model router as /v1, then save the answer (also when the user stops it part-way).
import type { ChatMessage, Usage } from "../inference/language-model.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { ConversationService, Member, StoredMessage } from "./conversation-service.ts";

export type ChatEvent =
  | { type: "saved"; message: StoredMessage }
  | { type: "delta"; text: string }
  | { type: "done"; message: StoredMessage | null };

/** Decides whether a member may use a model (feature switches and allow-lists); throws 403 if not. */
export type ModelGate = (member: Member, modelId: string) => Promise<void>;

const untitledLength = 60;

export class ConversationChat {
  readonly #conversations: ConversationService;
  readonly #models: ModelRouter;
  readonly #gate: ModelGate;

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
    try {
      for await (const part of model.stream({ model: modelId, messages: history }, { signal })) {
        if (part.type === "usage") usage = part.usage;
        else if (part.index === 0 && typeof part.delta.content === "string" && part.delta.content) {
          text += part.delta.content;
          yield { type: "delta", text: part.delta.content };
        }
      }
    } catch (error) {
      // Stopped by the user: keep what was said so far. Any other failure propagates.
      if (!signal.aborted) throw error;
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
