// A chat completion's answer as a /v1/responses response: output items (reasoning, message with text
// and refusal parts, function calls), status, usage, and the request's echo, in OpenAI's shape.
import type { ChatMessage, Usage } from "../inference/language-model.ts";
import { itemId, type Json } from "./response-store.ts";

/** Chat logprobs ({ content: [...] }) as an output_text part's logprobs. */
export function textLogprobs(logprobs: unknown): Json[] {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  return Array.isArray(content) ? (content as Json[]) : [];
}

/** A whole chat answer as output items, in the order a stream would have opened them. */
export function outputItems(responseId: string, message: Json, logprobs: unknown): Json[] {
  const items: Json[] = [];
  const next = (kind: "msg" | "fc" | "rs") => itemId(kind, responseId, items.length);
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === "string" && reasoning.length > 0) {
    items.push({
      type: "reasoning",
      id: next("rs"),
      summary: [],
      content: [{ type: "reasoning_text", text: reasoning }],
    });
  }
  const parts: Json[] = [];
  if (typeof message.content === "string" && (message.content.length > 0 || !message.tool_calls))
    parts.push({
      type: "output_text",
      text: message.content,
      annotations: [],
      logprobs: textLogprobs(logprobs),
    });
  if (typeof message.refusal === "string") parts.push({ type: "refusal", refusal: message.refusal });
  if (parts.length > 0)
    items.push({ type: "message", id: next("msg"), status: "completed", role: "assistant", content: parts });
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function ?? {}) as Json;
    items.push({
      type: "function_call",
      id: next("fc"),
      call_id: call.id,
      name: fn.name,
      arguments: typeof fn.arguments === "string" ? fn.arguments : "",
      status: "completed",
    });
  }
  return items;
}

/** The text of the output's message items (their output_text parts), for metering and observers. */
export function outputText(output: Json[]): string {
  let text = "";
  for (const item of output)
    if (item.type === "message")
      for (const part of item.content as Json[]) if (part.type === "output_text") text += String(part.text);
  return text;
}

/** Output items as the assistant's chat message, for the stored conversation a next response continues. */
export function assistantMessage(items: Json[]): ChatMessage {
  const message: ChatMessage = { role: "assistant", content: null };
  for (const item of items) {
    if (item.type === "message") {
      for (const part of item.content as Json[]) {
        if (part.type === "output_text") message.content = String(message.content ?? "") + String(part.text);
        if (part.type === "refusal") message.refusal = part.refusal;
      }
    } else if (item.type === "function_call") {
      const calls = (message.tool_calls as Json[] | undefined) ?? [];
      calls.push({
        id: item.call_id,
        type: "function",
        function: { name: item.name, arguments: item.arguments },
      });
      message.tool_calls = calls;
    }
  }
  return message;
}

export function responsesUsage(usage: Usage | null): Json | null {
  if (!usage) return null;
  const prompt = usage.prompt_tokens_details as { cached_tokens?: number } | undefined;
  const completion = usage.completion_tokens_details as { reasoning_tokens?: number } | undefined;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: prompt?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: completion?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** How a chat finish reason ends a response. */
export function statusOf(finishReason: string | null): {
  status: ResponseStatus;
  incomplete: Json | null;
} {
  if (finishReason === "length") return { status: "incomplete", incomplete: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter")
    return { status: "incomplete", incomplete: { reason: "content_filter" } };
  return { status: "completed", incomplete: null };
}

export interface ResponseFacts {
  id: string;
  createdAt: Date;
  model: string;
  body: Json;
  status: ResponseStatus;
  incomplete: Json | null;
  output: Json[];
  usage: Usage | null;
}

/** The response object, echoing the request's settings as OpenAI does. */
export function responseObject(facts: ResponseFacts): Json {
  const { body } = facts;
  const text = (body.text ?? {}) as Json;
  return {
    id: facts.id,
    object: "response",
    created_at: Math.floor(facts.createdAt.getTime() / 1000),
    status: facts.status,
    background: false,
    error: null,
    incomplete_details: facts.incomplete,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: facts.model,
    output: facts.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: (body.reasoning as Json | undefined)?.effort ?? null, summary: null },
    service_tier: body.service_tier ?? "default",
    store: body.store !== false,
    temperature: body.temperature ?? 1,
    text: { format: text.format ?? { type: "text" }, verbosity: text.verbosity ?? "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: responsesUsage(facts.usage),
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}
