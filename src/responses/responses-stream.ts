// A streamed chat completion as OpenAI's typed /v1/responses events: response.created and
// .in_progress, a `file_search_call` run before the model (.file_search_call.in_progress, .searching,
// .completed), then per output item .output_item.added, .content_part.added, .output_text.delta,
// .refusal.delta, .reasoning_text.delta, .function_call_arguments.delta and their .done events, and
// response.completed (or .incomplete) with the whole response.
import type { StreamPart, Usage } from "../inference/language-model.ts";
import { itemId, type Json } from "./response-store.ts";
import { statusOf, textLogprobs, type ResponseStatus } from "./responses-output.ts";

type Delta = Extract<StreamPart, { type: "delta" }>;

export interface StreamEnd {
  status: ResponseStatus;
  incomplete: Json | null;
  output: Json[];
  usage: Usage | null;
}

interface OpenItem {
  index: number;
  item: Json;
  /** For a message: its parts by kind, with their content index. */
  parts: Map<"output_text" | "refusal", { index: number; part: Json }>;
  /** For a function call: the chat tool call's index. */
  toolIndex?: number;
}

/** Turns one response's chat stream parts into events; `finish()` closes what is open. */
export class ResponseEventBuilder {
  readonly #responseId: string;
  readonly #output: Json[] = [];
  #open: OpenItem | null = null;
  #usage: Usage | null = null;
  #finishReason: string | null = null;
  #sequence = 0;

  constructor(responseId: string) {
    this.#responseId = responseId;
  }

  event(type: string, fields: Json): Json {
    return { type, sequence_number: this.#sequence++, ...fields };
  }

  #start(item: Json, events: Json[], toolIndex?: number): OpenItem {
    this.#close(events);
    const index = this.#output.length;
    this.#output.push(item);
    this.#open = { index, item, parts: new Map(), ...(toolIndex === undefined ? {} : { toolIndex }) };
    events.push(this.event("response.output_item.added", { output_index: index, item: { ...item } }));
    return this.#open;
  }

  #id(kind: "msg" | "fc" | "rs"): string {
    return itemId(kind, this.#responseId, this.#output.length);
  }

  #message(events: Json[]): OpenItem {
    if (this.#open?.item.type === "message") return this.#open;
    const item = {
      type: "message",
      id: this.#id("msg"),
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    return this.#start(item, events);
  }

  #part(kind: "output_text" | "refusal", events: Json[]): { open: OpenItem; index: number; part: Json } {
    const open = this.#message(events);
    let found = open.parts.get(kind);
    if (!found) {
      const part: Json =
        kind === "output_text"
          ? { type: "output_text", text: "", annotations: [], logprobs: [] }
          : { type: "refusal", refusal: "" };
      found = { index: open.parts.size, part };
      open.parts.set(kind, found);
      (open.item.content as Json[]).push(part);
      events.push(
        this.event("response.content_part.added", {
          item_id: open.item.id,
          output_index: open.index,
          content_index: found.index,
          part: { ...part, ...(kind === "output_text" ? { logprobs: [] } : {}) },
        }),
      );
    }
    return { open, ...found };
  }

  /**
   * The events of a `file_search_call` run before the model (its search is done by now): added as in
   * progress, .in_progress, .searching, .completed, then done with its queries (and results if asked).
   */
  fileSearchCall(item: Json): Json[] {
    const events: Json[] = [];
    this.#close(events);
    const index = this.#output.length;
    this.#output.push(item);
    const where = { output_index: index, item_id: item.id };
    const opening = { ...item, status: "in_progress", queries: [], results: null };
    events.push(this.event("response.output_item.added", { output_index: index, item: opening }));
    for (const stage of ["in_progress", "searching", "completed"])
      events.push(this.event(`response.file_search_call.${stage}`, { ...where }));
    events.push(this.event("response.output_item.done", { output_index: index, item }));
    return events;
  }

  /** The events for one chat stream part. */
  push(part: StreamPart): Json[] {
    const events: Json[] = [];
    if (part.type === "usage") {
      this.#usage = part.usage;
      return events;
    }
    if (part.index !== 0) return events;
    this.#delta(part, events);
    if (part.finishReason) this.#finishReason = part.finishReason;
    return events;
  }

  #delta(part: Delta, events: Json[]): void {
    const { delta } = part;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === "string" && reasoning.length > 0) {
      let open = this.#open;
      if (open?.item.type !== "reasoning") {
        open = this.#start({ type: "reasoning", id: this.#id("rs"), summary: [], content: [] }, events);
        (open.item.content as Json[]).push({ type: "reasoning_text", text: "" });
      }
      const text = (open.item.content as Json[])[0]!;
      text.text = String(text.text) + reasoning;
      events.push(
        this.event("response.reasoning_text.delta", {
          item_id: open.item.id,
          output_index: open.index,
          content_index: 0,
          delta: reasoning,
        }),
      );
    }
    if (typeof delta.content === "string" && delta.content.length > 0) {
      const { open, index, part: text } = this.#part("output_text", events);
      text.text = String(text.text) + delta.content;
      const logprobs = textLogprobs(part.logprobs);
      (text.logprobs as Json[]).push(...logprobs);
      events.push(
        this.event("response.output_text.delta", {
          item_id: open.item.id,
          output_index: open.index,
          content_index: index,
          delta: delta.content,
          logprobs,
        }),
      );
    }
    if (typeof delta.refusal === "string" && delta.refusal.length > 0) {
      const { open, index, part: refusal } = this.#part("refusal", events);
      refusal.refusal = String(refusal.refusal) + delta.refusal;
      events.push(
        this.event("response.refusal.delta", {
          item_id: open.item.id,
          output_index: open.index,
          content_index: index,
          delta: delta.refusal,
        }),
      );
    }
    for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
      const toolIndex = typeof call.index === "number" ? call.index : 0;
      const fn = (call.function ?? {}) as Json;
      let open = this.#open;
      if (open?.item.type !== "function_call" || open.toolIndex !== toolIndex) {
        const item = {
          type: "function_call",
          id: this.#id("fc"),
          call_id: call.id ?? "",
          name: fn.name ?? "",
          arguments: "",
          status: "in_progress",
        };
        open = this.#start(item, events, toolIndex);
      }
      if (typeof fn.arguments === "string" && fn.arguments.length > 0) {
        open.item.arguments = String(open.item.arguments) + fn.arguments;
        events.push(
          this.event("response.function_call_arguments.delta", {
            item_id: open.item.id,
            output_index: open.index,
            delta: fn.arguments,
          }),
        );
      }
    }
  }

  #close(events: Json[]): void {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    const { item, index } = open;
    if (item.type === "reasoning") {
      const text = (item.content as Json[])[0]!;
      events.push(
        this.event("response.reasoning_text.done", {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          text: text.text,
        }),
      );
    } else if (item.type === "message") {
      for (const { index: contentIndex, part } of open.parts.values()) {
        const where = { item_id: item.id, output_index: index, content_index: contentIndex };
        if (part.type === "output_text")
          events.push(
            this.event("response.output_text.done", { ...where, text: part.text, logprobs: part.logprobs }),
          );
        else events.push(this.event("response.refusal.done", { ...where, refusal: part.refusal }));
        events.push(this.event("response.content_part.done", { ...where, part }));
      }
    } else if (item.type === "function_call") {
      events.push(
        this.event("response.function_call_arguments.done", {
          item_id: item.id,
          output_index: index,
          name: item.name,
          arguments: item.arguments,
        }),
      );
    }
    item.status = "completed";
    if (item.type === "reasoning") delete item.status;
    events.push(this.event("response.output_item.done", { output_index: index, item }));
  }

  /** Closes the open item; returns its events and how the response ended. */
  finish(): { events: Json[]; end: StreamEnd } {
    const events: Json[] = [];
    this.#close(events);
    const { status, incomplete } = statusOf(this.#finishReason);
    return { events, end: { status, incomplete, output: this.#output, usage: this.#usage } };
  }
}
