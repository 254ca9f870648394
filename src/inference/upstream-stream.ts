// An OpenAI-compatible server's event stream read into parts: the events' data up to [DONE], each
// chunk checked, and the chunks that differ only in their text read through a template.
import type { Dispatcher } from "undici";
import { errors } from "../core/errors.ts";
import type { ChatResult, StreamPart, TextStreamPart, UpstreamFields } from "./language-model.ts";
import { ServerSentDataParser } from "./sse.ts";
import { StringValueTemplate } from "./string-value-template.ts";
import { mapTransportError } from "./upstream-errors.ts";

export interface UpstreamChunk {
  choices?: Array<{
    index?: number;
    delta?: Record<string, unknown>;
    /** Text completions (/v1/completions) carry text where chat carries a delta. */
    text?: unknown;
    finish_reason?: string | null;
    logprobs?: unknown;
  }>;
  usage?: ChatResult["usage"];
  system_fingerprint?: string | null;
  error?: { message?: string };
}

type UpstreamChoice = NonNullable<UpstreamChunk["choices"]>[number];

/**
 * What an upstream sent beyond the envelope we answer with (our id, object, created and the model
 * name the client asked for) and the choices and usage read apart: `system_fingerprint`,
 * `service_tier` and whatever fields it adds later, passed back unchanged. Undefined when none.
 */
export function upstreamFields(body: object): UpstreamFields | undefined {
  let fields: UpstreamFields | undefined;
  for (const [name, value] of Object.entries(body)) {
    if (envelopeFields.has(name) || value === undefined) continue;
    (fields ??= {})[name] = value;
  }
  return fields;
}

const envelopeFields = new Set(["id", "object", "created", "model", "choices", "usage"]);

/** How one kind of stream (chat or text completions) makes its parts, and where a chunk's text is. */
interface PartKind<Part> {
  toPart(choice: UpstreamChoice): Part;
  /** Makes the part of a chunk that differs from `part`'s only in its text (see StringValueTemplate). */
  withText(part: Part): (text: string) => Part;
  /** The key of a choice's text, as a string value: what changes from one chunk to the next. */
  textKey: string;
  readText(chunk: unknown): unknown;
}

type ChatDelta = Extract<StreamPart, { type: "delta" }>;
type TextChoice = Extract<TextStreamPart, { type: "text" }>;

export const chatParts: PartKind<ChatDelta> = {
  toPart: (choice) => ({
    type: "delta",
    index: choice.index ?? 0,
    delta: choice.delta ?? {},
    finishReason: choice.finish_reason ?? null,
  }),
  // Decided once per template, and built member by member: a spread followed by a member that
  // overrides one of its keys, or a for-in over a parsed delta per chunk, was most of a chunk's cost.
  withText: (part) => {
    const { index, delta, finishReason, logprobs, fields } = part;
    const contentOnly = onlyKey(delta, "content");
    return (text) => {
      const next: ChatDelta = {
        type: "delta",
        index,
        delta: contentOnly ? { content: text } : { ...delta, content: text },
        finishReason,
      };
      if (logprobs !== undefined) next.logprobs = logprobs;
      if (fields) next.fields = fields;
      return next;
    };
  },
  textKey: "content",
  readText: (chunk) => (chunk as UpstreamChunk).choices?.[0]?.delta?.content,
};

export const textParts: PartKind<TextChoice> = {
  toPart: (choice) => ({
    type: "text",
    index: choice.index ?? 0,
    text: typeof choice.text === "string" ? choice.text : "",
    finishReason: choice.finish_reason ?? null,
  }),
  withText: (part) => {
    const { index, finishReason, logprobs, fields } = part;
    return (text) => {
      const next: TextChoice = { type: "text", index, text, finishReason };
      if (logprobs !== undefined) next.logprobs = logprobs;
      if (fields) next.fields = fields;
      return next;
    };
  },
  textKey: "text",
  readText: (chunk) => (chunk as UpstreamChunk).choices?.[0]?.text,
};

/** Whether an object has `key` and no other key. */
function onlyKey(object: object, key: string): boolean {
  let keys = 0;
  for (const name in object) {
    if (name !== key) return false;
    keys += 1;
  }
  return keys === 1;
}

/** Templates learnt in a row that no chunk matched, after which a stream stops learning them. */
const maxUnmatchedTemplates = 4;

type UsagePart = { type: "usage"; usage: NonNullable<UpstreamChunk["usage"]> };

/**
 * The parts of an upstream stream: one per choice of each chunk (with the choice's logprobs when it has
 * them), then the usage when a chunk carries it. A chunk of one choice with text is learnt as a template:
 * the chunks after it that differ only in their text (most of a stream) are read without JSON.parse, and
 * their parts share its upstream fields (the same object, so a route can serialise them once).
 *
 * An iterator written out rather than an async generator: the parts of a network read are handed out
 * with one resolved promise each, where a generator (two deep, as the provider's stream wrapped this
 * one) cost several promises and microtask turns per part.
 */
export class UpstreamParts<
  Part extends { logprobs?: unknown; fields?: UpstreamFields },
> implements AsyncIterableIterator<Part | UsagePart> {
  readonly #open: () => Promise<Dispatcher.ResponseData["body"]>;
  readonly #name: string;
  readonly #signal: AbortSignal;
  readonly #kind: PartKind<Part>;
  #payloads: AsyncIterator<string[]> | null = null;
  /** The events of the last network read, and the next one to read. */
  #batch: string[] = [];
  #at = 0;
  /** The parts of the last event read, and the next one to hand out. */
  #parts: Array<Part | UsagePart> = [];
  #next = 0;
  /** A bad chunk ends the stream, after the good parts read before it have been handed out. */
  #failure: { error: unknown } | null = null;
  #finished = false;
  #template: { text: StringValueTemplate; part: (text: string) => Part } | null = null;
  #matched = false;
  #unmatched = 0;

  /** `open` sends the request, on the first call of next() (as a generator would start). */
  constructor(
    open: () => Promise<Dispatcher.ResponseData["body"]>,
    name: string,
    signal: AbortSignal,
    kind: PartKind<Part>,
  ) {
    this.#open = open;
    this.#name = name;
    this.#signal = signal;
    this.#kind = kind;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Part | UsagePart, undefined>> {
    if (this.#next < this.#parts.length || this.#fill()) {
      return Promise.resolve({ done: false, value: this.#parts[this.#next++]! });
    }
    return this.#read();
  }

  async return(): Promise<IteratorResult<Part | UsagePart, undefined>> {
    this.#finished = true;
    this.#parts = [];
    this.#batch = [];
    await this.#close();
    return { done: true, value: undefined };
  }

  /**
   * Makes the parts of the batch's next events, up to the first event that has any: one event at a
   * time, so the first part of a read that carries a whole stream goes out before the rest is parsed.
   * False when the batch has no event left (or a bad one ended it).
   */
  #fill(): boolean {
    this.#parts.length = 0;
    this.#next = 0;
    while (this.#at < this.#batch.length) {
      try {
        this.#add(this.#batch[this.#at++]!);
      } catch (error) {
        this.#failure = { error };
        this.#batch = [];
        return false;
      }
      if (this.#parts.length > 0) return true;
    }
    return false;
  }

  async #read(): Promise<IteratorResult<Part | UsagePart, undefined>> {
    for (;;) {
      if (this.#failure) {
        const { error } = this.#failure;
        this.#failure = null;
        this.#finished = true;
        await this.#close();
        throw error;
      }
      if (this.#finished) return { done: true, value: undefined };
      let batch: IteratorResult<string[]>;
      try {
        this.#payloads ??= upstreamPayloads(await this.#open(), this.#name, this.#signal)[
          Symbol.asyncIterator
        ]();
        batch = await this.#payloads.next();
      } catch (error) {
        this.#finished = true;
        throw error;
      }
      if (batch.done) {
        this.#finished = true;
        continue;
      }
      this.#batch = batch.value;
      this.#at = 0;
      if (this.#fill()) return { done: false, value: this.#parts[this.#next++]! };
    }
  }

  /** The parts of one event's data; throws where the chunk is malformed or failed. */
  #add(data: string): void {
    const template = this.#template;
    const text = template?.text.match(data);
    if (template && text !== undefined) {
      this.#matched = true;
      this.#parts.push(template.part(text));
      return;
    }
    const chunk = parseChunk(data, this.#name);
    const fields = upstreamFields(chunk);
    const choices = chunk.choices ?? [];
    for (const choice of choices) {
      const part = this.#kind.toPart(choice);
      if (choice.logprobs !== undefined) part.logprobs = choice.logprobs;
      if (fields) part.fields = fields;
      this.#parts.push(part);
      if (choices.length === 1 && !chunk.usage) this.#learn(data, part);
    }
    if (chunk.usage) this.#parts.push({ type: "usage", usage: chunk.usage });
  }

  #learn(data: string, part: Part): void {
    // A stream whose chunks never repeat (an id per chunk, say) stops paying for templates.
    if (this.#unmatched >= maxUnmatchedTemplates) return;
    const learnt = StringValueTemplate.learn(data, this.#kind.textKey, this.#kind.readText);
    if (!learnt) return;
    this.#unmatched = this.#template && !this.#matched ? this.#unmatched + 1 : 0;
    this.#template = { text: learnt, part: this.#kind.withText(part) };
    this.#matched = false;
  }

  async #close(): Promise<void> {
    const payloads = this.#payloads;
    this.#payloads = null;
    await payloads?.return?.();
  }
}

/**
 * The data of an upstream event stream's events until [DONE], as many at a time as one network read
 * carries (a fast upstream sends dozens per read: one await per read, not per event). The upstream
 * stops when we stop reading.
 */
export async function* upstreamPayloads(
  body: Dispatcher.ResponseData["body"],
  name: string,
  signal: AbortSignal,
): AsyncIterable<string[]> {
  const parser = new ServerSentDataParser();
  let finished = false;
  try {
    // Leaving the loop at [DONE] must not destroy the body: undici would build an abort error and
    // close the connection instead of keeping it for the next request (see the finally below).
    for await (const bytes of body.iterator({ destroyOnReturn: false })) {
      const payloads = parser.push(bytes as Uint8Array);
      const done = payloads.indexOf("[DONE]");
      if (done !== -1) {
        finished = true;
        if (done > 0) yield payloads.slice(0, done);
        return;
      }
      if (payloads.length > 0) yield payloads;
    }
    finished = true;
    const payloads = parser.end().filter((payload) => payload !== "[DONE]");
    if (payloads.length > 0) yield payloads;
  } catch (error) {
    throw mapTransportError(error, name, signal);
  } finally {
    if (body.destroyed) {
      // Already ended and released.
    } else if (finished) {
      // After [DONE] the rest (usually just the end of the body) is read in the background, so the
      // connection goes back to the pool; an upstream that never ends is cut by undici's body timeout.
      body.dump({ limit: Number.MAX_SAFE_INTEGER }).catch(() => undefined);
    } else {
      // Stops the upstream generating when we stop reading (client gone, or an error). Nothing reads
      // the body any more, so the abort error undici reports on it is expected and dropped.
      body.on("error", () => undefined);
      body.destroy();
    }
  }
}

/**
 * One event's chunk; a malformed or failed one ends the stream with an error (after the chunks before
 * it, so the client still gets everything that was good) that never names the payload.
 */
export function parseChunk(data: string, name: string): UpstreamChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    chunk = null;
  }
  if (!isUpstreamChunk(chunk))
    throw errors.upstream(502, `The model server '${name}' sent a malformed stream.`);
  if (chunk.error) throw errors.upstream(502, `The model server '${name}' failed mid-stream.`);
  return chunk;
}

/** An object whose choices, if any, are objects: what the stream code can read without a TypeError. */
function isUpstreamChunk(value: unknown): value is UpstreamChunk {
  if (typeof value !== "object" || value === null) return false;
  const choices = (value as { choices?: unknown }).choices;
  if (choices === undefined) return true;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) if (typeof choice !== "object" || choice === null) return false;
  return true;
}
