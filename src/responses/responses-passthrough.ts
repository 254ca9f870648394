// /v1/responses passed through to an upstream that has its own Responses API (an upstream entry with
// `responsesApi: true`), instead of translated onto chat completions: the client's fields reach it
// unchanged, so whatever that server offers (built-in tools, reasoning items) works. What does not
// pass is what would make the upstream keep data: it is always asked `store: false`, and a
// `previous_response_id` or an `item_reference` is resolved here, from Custodian's own sealed store,
// into the items sent. The answer comes back with Custodian's ids and the model name the client
// asked for, whole or as the upstream's typed events.
import { errors } from "../core/errors.ts";
import type { ChatMessage, ChatRequest, LanguageModel, Usage } from "../inference/language-model.ts";
import { itemId, type Json } from "./response-store.ts";
import { toChatRequest, type TranslationContext } from "./responses-request.ts";

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

export type PassthroughModel = LanguageModel & Required<Pick<LanguageModel, "respond" | "streamRespond">>;

/** Whether /v1/responses passes through to this model's server. */
export function passesThrough(model: LanguageModel): model is PassthroughModel {
  return model.respond !== undefined && model.streamRespond !== undefined;
}

/**
 * The fields a passthrough refuses, because they would make the upstream keep data: a background
 * response and a server-side conversation live on the upstream. Everything else is the upstream's
 * to take or refuse.
 */
export function checkPassthroughFields(body: Json): void {
  if (body.background != null && body.background !== false)
    throw errors.invalidRequest(
      "'background' is not supported here: responses run in the foreground, so the model server keeps nothing.",
      "background",
      "unsupported_parameter",
    );
  if (body.conversation != null)
    throw errors.invalidRequest(
      "'conversation' is not supported here: use previous_response_id, which Custodian keeps sealed.",
      "conversation",
      "unsupported_parameter",
    );
}

/** A chat part as a Responses input part (text, image, file); null for what has no such part. */
function inputPart(part: unknown): Json | null {
  if (!isObject(part)) return null;
  if (part.type === "text") return { type: "input_text", text: String(part.text ?? "") };
  if (part.type === "image_url" && isObject(part.image_url))
    return {
      type: "input_image",
      image_url: part.image_url.url,
      ...(part.image_url.detail ? { detail: part.image_url.detail } : {}),
    };
  if (part.type === "file" && isObject(part.file)) return { type: "input_file", ...part.file };
  return null;
}

/** A stored conversation (chat messages) as Responses input items, for an upstream that keeps nothing. */
export function conversationItems(messages: readonly ChatMessage[]): Json[] {
  const items: Json[] = [];
  for (const message of messages) {
    if (message.role === "tool") {
      items.push({ type: "function_call_output", call_id: message.tool_call_id, output: message.content });
    } else if (message.role === "assistant") {
      const text = typeof message.content === "string" ? message.content : "";
      if (text.length > 0)
        items.push({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
      for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
        const fn = isObject(call.function) ? call.function : {};
        items.push({ type: "function_call", call_id: call.id, name: fn.name, arguments: fn.arguments });
      }
    } else {
      const content = Array.isArray(message.content)
        ? message.content.map(inputPart).filter((part): part is Json => part !== null)
        : String(message.content ?? "");
      items.push({ type: "message", role: message.role, content });
    }
  }
  return items;
}

/**
 * The body the upstream's /v1/responses gets: the client's, with `store: false`, without
 * `previous_response_id` (the earlier conversation is sent as items instead), and with each
 * `item_reference` replaced by the stored item it names (`item` throws when there is none).
 */
export async function passthroughBody(
  body: Json,
  previous: readonly ChatMessage[] | null,
  item: (id: unknown, param: string) => Promise<Json>,
): Promise<Json> {
  const { previous_response_id: _previous, store: _store, ...rest } = body;
  const input: unknown[] =
    typeof body.input === "string"
      ? [{ type: "message", role: "user", content: body.input }]
      : Array.isArray(body.input)
        ? body.input
        : [];
  const items: unknown[] = [];
  for (const [index, entry] of input.entries()) {
    if (isObject(entry) && entry.type === "item_reference") {
      const { id: _id, ...found } = await item(entry.id, `input[${index}]`);
      items.push(found);
    } else items.push(entry);
  }
  return { ...rest, input: [...(previous ? conversationItems(previous) : []), ...items], store: false };
}

/** Responses usage (input/output tokens) as chat usage, for metering, budgets and rate limits. */
export function chatUsage(usage: unknown): Usage | null {
  if (!isObject(usage)) return null;
  const prompt = Number(usage.input_tokens ?? 0);
  const completion = Number(usage.output_tokens ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: Number(usage.total_tokens ?? prompt + completion),
  };
}

const itemKinds: Record<string, "msg" | "fc" | "rs"> = {
  message: "msg",
  function_call: "fc",
  reasoning: "rs",
};

/**
 * Rewrites an upstream's response and events into Custodian's: the response's id, the client's model
 * name, `store` and `previous_response_id` as the client sent them, and every output item's id in
 * Custodian's scheme (so a later `item_reference` finds it in the sealed store).
 */
export class PassthroughRewriter {
  readonly #ours: { id: string; model: string; store: boolean; previousResponseId: unknown };
  /** Upstream item id → ours, as the items appear. */
  readonly #ids = new Map<string, string>();

  constructor(ours: { id: string; model: string; store: boolean; previousResponseId: unknown }) {
    this.#ours = ours;
  }

  #itemId(upstreamId: unknown, index: number, type: unknown): string {
    const key = String(upstreamId);
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = itemId(itemKinds[String(type)] ?? "msg", this.#ours.id, index);
      this.#ids.set(key, id);
    }
    return id;
  }

  #item(item: Json, index: number): Json {
    return item.id === undefined ? item : { ...item, id: this.#itemId(item.id, index, item.type) };
  }

  response(upstream: Json): Json {
    const output = Array.isArray(upstream.output) ? (upstream.output as unknown[]) : [];
    return {
      ...upstream,
      id: this.#ours.id,
      model: this.#ours.model,
      store: this.#ours.store,
      previous_response_id: this.#ours.previousResponseId ?? null,
      output: output.map((item, index) => (isObject(item) ? this.#item(item, index) : item)),
    };
  }

  event(upstream: Json): Json {
    const event: Json = { ...upstream };
    if (isObject(event.response)) event.response = this.response(event.response);
    const index = Number(event.output_index ?? 0);
    if (isObject(event.item)) event.item = this.#item(event.item, index);
    if (event.item_id !== undefined) event.item_id = this.#itemId(event.item_id, index, undefined);
    return event;
  }
}

/** The event types that end a response stream and carry the whole response. */
export const finalEvents: ReadonlySet<string> = new Set([
  "response.completed",
  "response.incomplete",
  "response.failed",
]);

/** Every string under `text` or `content` of the input: what a policy reads when no translation fits. */
function inputText(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const entry of value) inputText(entry, into);
  else if (typeof value === "object" && value !== null)
    for (const [key, entry] of Object.entries(value))
      if (key === "text" || key === "content" || key === "output") inputText(entry, into);
  return into;
}

/**
 * A passed-through request as the policies and observers see it, with the conversation to store:
 * translated when the request is one chat completions can express, else its text as one user message
 * (the upstream may offer items and tools chat completions do not).
 */
export async function asChat(
  body: Json,
  context: TranslationContext,
): Promise<{ chat: ChatRequest; messages: ChatMessage[] }> {
  try {
    const { chat, messages } = await toChatRequest(body, context);
    return { chat, messages };
  } catch {
    const messages: ChatMessage[] = [
      ...(context.previous?.messages ?? []),
      { role: "user", content: inputText(body.input).join("\n") },
    ];
    return { chat: { model: String(body.model), messages }, messages };
  }
}
