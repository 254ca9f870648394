// The one table of what each backend kind does with each request field of the /v1 model endpoints:
// honoured, or refused with a 400 that names the field, never silently ignored (PLAT-1). A local model
// (llama.cpp in process, fine-tuned models) refuses what it cannot do; an OpenAI-compatible upstream gets
// every field unchanged. The README's "Supported per backend" table is checked against this one.
import { errors } from "../core/errors.ts";
import { maxParallelCalls, outputPlan } from "./output-plan.ts";
import { chatLogprobs, completionLogprobs } from "./llama/logprobs-request.ts";

export type Endpoint = "chat.completions" | "completions" | "embeddings";
export type BackendKind = "local" | "upstream";

export interface FieldRule {
  /** What a local model does with the field: uses it, or refuses it with a 400 naming it. */
  local: "honoured" | "refused";
  /** What an upstream gets: always the field unchanged (Custodian also reads store, user, stream...). */
  upstream: "passthrough";
  /**
   * Values that ask for nothing (null, false, 0, n 1, tool_choice "none"...): accepted even where the
   * field is refused, as the official clients and SDKs send them by default.
   */
  neutral?: (value: unknown, request: Record<string, unknown>) => boolean;
  /** One line for the README. */
  note: string;
}

const isNull = (value: unknown) => value === null || value === undefined;
const nullOr =
  (...allowed: unknown[]) =>
  (value: unknown) =>
    isNull(value) || allowed.includes(value);
const emptyOr = (value: unknown) =>
  isNull(value) ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);

const honoured = (note: string): FieldRule => ({ local: "honoured", upstream: "passthrough", note });
const custodian = honoured;
const refused = (note: string, neutral?: FieldRule["neutral"]): FieldRule => ({
  local: "refused",
  upstream: "passthrough",
  note,
  ...(neutral ? { neutral } : {}),
});

const sampling = {
  model: honoured("the model id clients use"),
  stream: honoured("server-sent events"),
  stream_options: honoured("include_usage; include_obfuscation only false (no padding is added)"),
  temperature: honoured("sampling temperature"),
  top_p: honoured("nucleus sampling"),
  seed: honoured("sampling seed"),
  stop: honoured("up to 4 stop sequences"),
  store: custodian("false: nothing kept for abuse monitoring (API-2)"),
  user: custodian("kept as metadata only"),
  metadata: custodian("kept as metadata only"),
  safety_identifier: custodian("kept as metadata only"),
  prompt_cache_key: honoured("a cache hint; local models always reuse their context"),
  service_tier: refused("local models have one tier", nullOr("auto", "default")),
  frequency_penalty: refused("local models do not take it yet", nullOr(0)),
  presence_penalty: refused("local models do not take it yet", nullOr(0)),
  logit_bias: refused("local models do not take it", emptyOr),
} satisfies Record<string, FieldRule>;

/** Request fields of POST /v1/chat/completions. */
const chatFields: Record<string, FieldRule> = {
  ...sampling,
  messages: honoured("text content; see the message rows below"),
  max_tokens: honoured("output token limit"),
  max_completion_tokens: honoured("output token limit"),
  n: refused("local models answer one choice", nullOr(1)),
  tools: honoured(
    'function tools; under tool_choice "auto" the model decides (node-llama-cpp\'s function calling)',
  ),
  tool_choice: honoured(
    '"required" or a named function: a grammar makes the answer calls whose arguments match the schema',
  ),
  parallel_tool_calls: honoured(`false: one call; true: up to ${maxParallelCalls} under "required"`),
  functions: refused("deprecated function calling", emptyOr),
  function_call: refused("deprecated function calling", nullOr("none")),
  response_format: honoured("json_object and json_schema through grammar-constrained sampling"),
  logprobs: honoured("the sampler's token log probabilities; a 400 with tools or a JSON response_format"),
  top_logprobs: honoured(
    "0 to 20 per token, with logprobs true; fewer if the sampler keeps fewer (temperature > 0)",
  ),
  modalities: refused(
    "local models answer text only",
    (value) => isNull(value) || (Array.isArray(value) && value.every((item) => item === "text")),
  ),
  audio: refused("local models answer text only", isNull),
  prediction: refused("predicted outputs need an upstream", isNull),
  reasoning_effort: refused("local models do not reason in a separate channel", isNull),
  verbosity: refused("local models have no verbosity control", isNull),
  web_search_options: refused("no web search on local models", isNull),
};

/** Fields of each chat message, and the content part types, for local models. */
export const messageRules = {
  role: honoured("system, developer, user, assistant, tool"),
  content: honoured("a string or text parts"),
  "content[].text": honoured("text parts"),
  "content[].image_url": refused("local models are text only"),
  "content[].input_audio": refused("local models are text only"),
  "content[].file": refused("local models are text only"),
  name: refused("local chat templates have no participant names", isNull),
  tool_calls: honoured("an assistant's calls, rendered by the model's chat template"),
  tool_call_id: honoured("a tool result, given to the model with its call"),
  refusal: refused("an earlier refusal is not shown to local models", isNull),
  audio: refused("local models are text only", isNull),
} satisfies Record<string, FieldRule>;

/** Request fields of POST /v1/completions. */
const completionFields: Record<string, FieldRule> = {
  ...sampling,
  prompt: honoured("a string or up to 64 strings"),
  max_tokens: honoured("output token limit"),
  n: refused("local models answer one choice per prompt", nullOr(1)),
  best_of: refused("local models answer one choice per prompt", nullOr(1)),
  echo: honoured("the prompt before the answer; a 400 with logprobs (prompt tokens are not scored)"),
  logprobs: honoured("the sampler's token log probabilities, 0 to 5 alternatives, text_offset"),
  suffix: refused("local models do not fill in the middle", nullOr("")),
};

/** Request fields of POST /v1/embeddings. */
const embeddingFields: Record<string, FieldRule> = {
  model: honoured("the model id clients use"),
  input: honoured("a text or up to 2048 (token arrays: upstreams only)"),
  encoding_format: honoured("float or base64"),
  dimensions: refused("local embeddings have the model's own size", isNull),
  user: custodian("kept as metadata only"),
  store: custodian("false: nothing kept for abuse monitoring (API-2)"),
};

/**
 * Request fields of POST /v1/responses, which runs on the chat-completion pipeline: each field maps onto
 * a chat field (whose row above then applies per backend), is Custodian's own (`chat: null`), or is
 * refused on every backend (`refused`, except its neutral values).
 */
export interface ResponsesFieldRule {
  chat: string | null;
  refused?: true;
  neutral?: (value: unknown) => boolean;
  note: string;
}

export const responsesTable: Readonly<Record<string, ResponsesFieldRule>> = {
  model: { chat: "model", note: "the model id clients use" },
  input: { chat: "messages", note: "text, images, files, function calls and outputs, item references" },
  instructions: { chat: null, note: "a system message first; not carried to the next response" },
  previous_response_id: { chat: null, note: "a stored response's conversation goes first" },
  store: { chat: null, note: "default true: sealed, kept no longer than the API retention (API-1)" },
  stream: { chat: "stream", note: "OpenAI's typed events" },
  stream_options: {
    chat: null,
    refused: true,
    neutral: (value) =>
      isNull(value) ||
      emptyOr(value) ||
      (value as { include_obfuscation?: unknown }).include_obfuscation === false,
    note: "no obfuscation padding",
  },
  temperature: { chat: "temperature", note: "sampling temperature" },
  top_p: { chat: "top_p", note: "nucleus sampling" },
  max_output_tokens: { chat: "max_completion_tokens", note: "output token limit" },
  tools: {
    chat: "tools",
    note: "function tools, and file_search (searched before the model, with filters); other hosted tools are refused",
  },
  tool_choice: { chat: "tool_choice", note: "auto, none, required or a named function" },
  parallel_tool_calls: { chat: "parallel_tool_calls", note: "with tools" },
  text: { chat: "response_format", note: "format text, json_object or json_schema; verbosity" },
  reasoning: { chat: "reasoning_effort", note: "effort only" },
  top_logprobs: { chat: "top_logprobs", note: "with logprobs" },
  user: { chat: "user", note: "kept as metadata only" },
  metadata: { chat: null, note: "kept on the stored response" },
  safety_identifier: { chat: "safety_identifier", note: "kept as metadata only" },
  prompt_cache_key: { chat: "prompt_cache_key", note: "a cache hint" },
  service_tier: { chat: "service_tier", note: "as on chat completions" },
  truncation: {
    chat: null,
    refused: true,
    neutral: nullOr("disabled"),
    note: 'only "disabled": too long an input is an error',
  },
  include: {
    chat: null,
    refused: true,
    neutral: emptyOr,
    note: 'only "file_search_call.results" (the file_search results in its output item)',
  },
  background: { chat: null, refused: true, neutral: nullOr(false), note: "responses run in the foreground" },
  max_tool_calls: { chat: null, refused: true, neutral: isNull, note: "no hosted tools" },
  prompt: { chat: null, refused: true, neutral: isNull, note: "no stored prompt templates" },
  conversation: { chat: null, refused: true, neutral: isNull, note: "use previous_response_id" },
};

export const parameterTable: Readonly<Record<Endpoint, Readonly<Record<string, FieldRule>>>> = {
  "chat.completions": chatFields,
  completions: completionFields,
  embeddings: embeddingFields,
};

function refuse(param: string, endpoint: Endpoint, rule?: FieldRule): never {
  const reason = rule ? `: ${rule.note}` : ": it is not a parameter of this endpoint";
  throw errors.invalidRequest(
    `Unsupported parameter '${param}' for this model's backend on /v1/${endpoint.replace(".", "/")}${reason}.`,
    param,
    "unsupported_parameter",
  );
}

/** Content part types a local model reads: text only. */
function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages)) return;
  messages.forEach((message: unknown, index) => {
    if (typeof message !== "object" || message === null) return;
    const fields = message as Record<string, unknown>;
    for (const [field, value] of Object.entries(fields)) {
      const rule = (messageRules as Record<string, FieldRule>)[field];
      if (!rule) refuse(`messages[${index}].${field}`, "chat.completions");
      if (rule.local === "refused" && !rule.neutral?.(value, fields))
        refuse(`messages[${index}].${field}`, "chat.completions", rule);
    }
    if (!Array.isArray(fields.content)) return;
    fields.content.forEach((part: unknown, partIndex) => {
      const type = (part as { type?: unknown } | null)?.type;
      if (type === "text") return;
      const rule = (messageRules as Record<string, FieldRule>)[`content[].${String(type)}`];
      refuse(`messages[${index}].content[${partIndex}]`, "chat.completions", rule);
    });
  });
}

/**
 * Throws a 400 naming the first field this backend would otherwise ignore. Upstreams take every field
 * (the schema at the edge has checked those Custodian reads itself).
 */
export function checkParameters(endpoint: Endpoint, backend: BackendKind, request: object): void {
  if (backend === "upstream") return;
  const table = parameterTable[endpoint];
  const fields = request as Record<string, unknown>;
  for (const [field, value] of Object.entries(fields)) {
    const rule = table[field];
    if (!rule) refuse(field, endpoint);
    if (rule.local === "refused" && !rule.neutral?.(value, fields)) refuse(field, endpoint, rule);
  }
  // logprobs: values out of range, and the combinations a local model cannot score, name the field.
  if (endpoint === "completions") completionLogprobs(fields);
  if (endpoint !== "chat.completions") return;
  checkMessages(fields.messages);
  // Tools, tool_choice and response_format: a schema the grammar cannot enforce is a 400 naming it.
  chatLogprobs(fields, outputPlan(fields));
}

/** The README's "Supported per backend" table, made from this one (a test keeps them the same). */
export function supportTableMarkdown(): string {
  const lines = ["| endpoint | field | local model | upstream | note |", "| --- | --- | --- | --- | --- |"];
  const row = (endpoint: string, field: string, rule: FieldRule) =>
    lines.push(
      `| ${endpoint} | \`${field}\` | ${rule.local === "honoured" ? "honoured" : rule.neutral ? "refused (unless default)" : "refused"} | ${rule.upstream} | ${rule.note} |`,
    );
  for (const [endpoint, table] of Object.entries(parameterTable)) {
    for (const [field, rule] of Object.entries(table)) row(endpoint, field, rule);
    if (endpoint === "chat.completions")
      for (const [field, rule] of Object.entries(messageRules)) row(endpoint, `messages[].${field}`, rule);
  }
  for (const [field, rule] of Object.entries(responsesTable)) {
    const handling = rule.refused
      ? "refused (unless default)"
      : rule.chat && rule.chat !== "model"
        ? `as chat \`${rule.chat}\``
        : "honoured";
    lines.push(
      `| responses | \`${field}\` | ${handling} | ${rule.refused ? "refused (unless default)" : handling === "honoured" ? "honoured" : handling} | ${rule.note} |`,
    );
  }
  lines.push(
    "| any | a field not listed | refused | passthrough | OpenAI answers an unknown field with a 400 too |",
    "| responses | any field, upstream with `responsesApi` | — | passthrough | except `background` and `conversation`; `store` is false upstream |",
  );
  return lines.join("\n");
}
