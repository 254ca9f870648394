// A /v1/responses request translated onto a chat completion request, so that it runs on the same
// pipeline (policies, observers, backends) as /v1/chat/completions. The fields and their handling are
// the `responsesTable` of inference/parameter-support.ts; a refusal names the Responses parameter.
import { CustodianError, errors } from "../core/errors.ts";
import type { ChatMessage, ChatRequest } from "../inference/language-model.ts";
import { responsesTable } from "../inference/parameter-support.ts";
import { itemId, type Json, type StoredResponse } from "./response-store.ts";

export interface Translated {
  chat: ChatRequest;
  /** The new input items with ids, as inputItems.list returns them. */
  inputItems: Json[];
  /** The conversation before this response's output (without instructions), for storing. */
  messages: ChatMessage[];
}

export interface TranslationContext {
  responseId: string;
  previous: StoredResponse | null;
  /** An output item of a stored response, by its id, for `item_reference`. */
  item(id: string): Promise<Json | null>;
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;
const refuse = (message: string, param: string) =>
  errors.invalidRequest(message, param, "unsupported_parameter");

/** Throws a 400 for a field that is not a Responses parameter or one refused on every backend. */
export function checkResponsesFields(body: Json): void {
  for (const [field, value] of Object.entries(body)) {
    const rule = responsesTable[field];
    if (!rule) throw refuse(`Unrecognized request argument supplied: '${field}'.`, field);
    if (rule.refused && !rule.neutral?.(value))
      throw refuse(`'${field}' is not supported here: ${rule.note}.`, field);
  }
}

/** The text of a content array's text parts (input_text, output_text, text). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isObject(part) && typeof part.text === "string" ? part.text : "")).join("");
}

function chatPart(part: unknown, param: string): Json {
  if (!isObject(part)) throw errors.invalidRequest("A content part must be an object.", param);
  switch (part.type) {
    case "input_text":
    case "output_text":
    case "text":
      return { type: "text", text: String(part.text ?? "") };
    case "input_image":
      if (typeof part.image_url !== "string")
        throw refuse("Images are taken by URL or data URL ('image_url'), not by file id.", param);
      return {
        type: "image_url",
        image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
      };
    case "input_file": {
      const file: Json = {};
      for (const key of ["file_id", "file_data", "filename"]) if (part[key] != null) file[key] = part[key];
      return { type: "file", file };
    }
    case "input_audio":
      return { type: "input_audio", input_audio: part.input_audio };
    default:
      throw refuse(`Content part type '${String(part.type)}' is not supported.`, param);
  }
}

/** Input items (and stored output items, which are valid input) as chat messages. */
async function toMessages(
  items: unknown[],
  context: TranslationContext,
  param: string,
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  let reasoning: string | null = null;
  const lastAssistant = () => {
    const last = messages.at(-1);
    if (last?.role === "assistant") return last;
    const created: ChatMessage = { role: "assistant", content: null };
    messages.push(created);
    return created;
  };
  for (const [index, raw] of items.entries()) {
    const at = `${param}[${index}]`;
    if (!isObject(raw)) throw errors.invalidRequest("An input item must be an object.", at);
    const type = raw.type ?? "message";
    if (type === "item_reference") {
      const found = typeof raw.id === "string" ? await context.item(raw.id) : null;
      if (!found)
        throw errors.invalidRequest(`Item with id '${String(raw.id)}' not found.`, at, "item_not_found");
      messages.push(...(await toMessages([found], context, at)));
    } else if (type === "message") {
      const role = raw.role;
      if (role !== "user" && role !== "system" && role !== "developer" && role !== "assistant")
        throw errors.invalidRequest(`Unknown role '${String(role)}'.`, `${at}.role`);
      if (role === "assistant") {
        const message: ChatMessage = { role, content: textOf(raw.content) };
        const refusal = Array.isArray(raw.content)
          ? raw.content.find((part) => isObject(part) && part.type === "refusal")
          : undefined;
        if (isObject(refusal)) message.refusal = refusal.refusal;
        if (reasoning !== null) message.reasoning_content = reasoning;
        reasoning = null;
        messages.push(message);
      } else if (typeof raw.content === "string") messages.push({ role, content: raw.content });
      else if (Array.isArray(raw.content))
        messages.push({ role, content: raw.content.map((part, j) => chatPart(part, `${at}.content[${j}]`)) });
      else
        throw errors.invalidRequest("A message's content is a string or an array of parts.", `${at}.content`);
    } else if (type === "function_call") {
      const assistant = lastAssistant();
      if (reasoning !== null) assistant.reasoning_content = reasoning;
      reasoning = null;
      const calls = (assistant.tool_calls as Json[] | undefined) ?? [];
      calls.push({
        id: raw.call_id,
        type: "function",
        function: { name: raw.name, arguments: raw.arguments },
      });
      assistant.tool_calls = calls;
    } else if (type === "function_call_output") {
      const output = typeof raw.output === "string" ? raw.output : textOf(raw.output);
      messages.push({ role: "tool", tool_call_id: raw.call_id, content: output });
    } else if (type === "reasoning") {
      const parts = [
        ...(Array.isArray(raw.content) ? raw.content : []),
        ...(Array.isArray(raw.summary) ? raw.summary : []),
      ];
      reasoning = (reasoning ?? "") + textOf(parts);
    } else throw refuse(`Input item type '${String(type)}' is not supported.`, at);
  }
  if (reasoning !== null) lastAssistant().reasoning_content = reasoning;
  return messages;
}

/** The input items as inputItems.list shows them: every item an object with an id. */
export function listedItems(input: unknown, responseId: string): Json[] {
  const items =
    typeof input === "string"
      ? [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }]
      : (input as unknown[]);
  return items.map((item, index) => {
    const value = item as Json;
    const normalised: Json = { ...value, type: value.type ?? "message" };
    if (normalised.type === "message" && typeof normalised.content === "string")
      normalised.content = [
        { type: normalised.role === "assistant" ? "output_text" : "input_text", text: normalised.content },
      ];
    return {
      id: itemId("in", responseId, index),
      ...normalised,
      ...(normalised.type === "message" ? { status: "completed" } : {}),
    };
  });
}

function chatTools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw errors.invalidRequest("'tools' is an array.", "tools");
  return tools.map((tool, index) => {
    if (!isObject(tool) || tool.type !== "function")
      throw refuse(
        `Tool type '${String(isObject(tool) ? tool.type : tool)}' is not offered: only function tools are.`,
        `tools[${index}]`,
      );
    const fn: Json = { name: tool.name };
    for (const key of ["description", "parameters", "strict"]) if (tool[key] != null) fn[key] = tool[key];
    return { type: "function", function: fn };
  });
}

function chatToolChoice(choice: unknown): unknown {
  if (typeof choice === "string") return choice;
  if (isObject(choice) && choice.type === "function")
    return { type: "function", function: { name: choice.name } };
  throw refuse("'tool_choice' is auto, none, required or a function.", "tool_choice");
}

function chatResponseFormat(format: Json): Json | null {
  if (format.type === "text") return null;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    const schema: Json = { name: format.name };
    for (const key of ["schema", "strict", "description"]) if (format[key] != null) schema[key] = format[key];
    return { type: "json_schema", json_schema: schema };
  }
  throw errors.invalidRequest(`Unknown text format '${String(format.type)}'.`, "text.format.type");
}

export async function toChatRequest(body: Json, context: TranslationContext): Promise<Translated> {
  const input = body.input ?? [];
  if (typeof input !== "string" && !Array.isArray(input))
    throw errors.invalidRequest("'input' is a string or an array of items.", "input");
  const items = typeof input === "string" ? [{ role: "user", content: input }] : input;
  const fresh = await toMessages(items, context, "input");
  const messages = [...(context.previous?.messages ?? []), ...fresh];
  if (messages.length === 0) throw errors.invalidRequest("'input' is empty.", "input");
  const chat: ChatRequest = {
    model: String(body.model),
    messages:
      typeof body.instructions === "string"
        ? [{ role: "system", content: body.instructions }, ...messages]
        : messages,
  };
  const copy = (from: string, to = from) => {
    if (body[from] != null) chat[to] = body[from];
  };
  copy("stream");
  copy("temperature");
  copy("top_p");
  copy("max_output_tokens", "max_completion_tokens");
  copy("user");
  copy("safety_identifier");
  copy("prompt_cache_key");
  copy("service_tier");
  copy("parallel_tool_calls");
  if (body.top_logprobs != null) {
    chat.logprobs = true;
    chat.top_logprobs = body.top_logprobs;
  }
  if (body.tools != null && !(Array.isArray(body.tools) && body.tools.length === 0))
    chat.tools = chatTools(body.tools);
  if (body.tool_choice != null) chat.tool_choice = chatToolChoice(body.tool_choice);
  if (isObject(body.text)) {
    for (const key of Object.keys(body.text))
      if (key !== "format" && key !== "verbosity" && body.text[key] != null)
        throw refuse(`'text.${key}' is not supported.`, `text.${key}`);
    if (isObject(body.text.format)) {
      const format = chatResponseFormat(body.text.format);
      if (format) chat.response_format = format;
    }
    if (body.text.verbosity != null) chat.verbosity = body.text.verbosity;
  }
  if (isObject(body.reasoning)) {
    for (const key of Object.keys(body.reasoning))
      if (key !== "effort" && body.reasoning[key] != null)
        throw refuse(`'reasoning.${key}' is not supported.`, `reasoning.${key}`);
    if (body.reasoning.effort != null) chat.reasoning_effort = body.reasoning.effort;
  }
  return { chat, inputItems: listedItems(input, context.responseId), messages };
}

/** Chat parameter names, as the Responses API calls them. */
const responsesNames: Record<string, string> = {
  max_completion_tokens: "max_output_tokens",
  response_format: "text.format",
  verbosity: "text.verbosity",
  reasoning_effort: "reasoning.effort",
  logprobs: "top_logprobs",
};

/** A nested chat parameter's path as the Responses API spells it (its tools and formats are flat). */
function responsesPath(param: string): string {
  return param
    .replace(/^tools\[(\d+)\]\.function\./, "tools[$1].")
    .replace(/^tool_choice\.function\./, "tool_choice.")
    .replace(/^response_format\.json_schema\./, "text.format.")
    .replace(/^response_format\./, "text.format.");
}

/** A chat-level refusal renamed for a Responses caller: the parameter they sent, not the chat one. */
export function asResponsesError(error: unknown): unknown {
  if (!(error instanceof CustodianError) || !error.param) return error;
  const param = error.param.startsWith("messages")
    ? "input"
    : (responsesNames[error.param] ?? responsesPath(error.param));
  if (param === error.param) return error;
  return new CustodianError(error.message.replaceAll(`'${error.param}'`, `'${param}'`), {
    status: error.status,
    type: error.type,
    code: error.code,
    param,
    retryable: error.retryable,
    headers: error.headers,
  });
}
