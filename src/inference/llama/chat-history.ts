// Maps OpenAI chat messages onto node-llama-cpp's chat history, which its chat wrapper (the model's own
// template) renders into the prompt.
import type { ChatHistoryItem, ChatModelResponse } from "node-llama-cpp";
import type { ChatMessage } from "../language-model.ts";

/** The text of a message's content: a string, or the text parts of a content array. */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) =>
      typeof part === "object" && part !== null && (part as { type?: unknown }).type === "text"
        ? String((part as { text?: unknown }).text ?? "")
        : "",
    )
    .join("");
}

/** A tool call of an assistant message, as OpenAI sends it back in a later turn. */
interface SentToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

/** A call's arguments as the template renders them: parsed when they are JSON, else as written. */
function callParams(text: unknown): unknown {
  if (typeof text !== "string") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The history to generate from, ending with the empty model turn the answer goes into. An assistant
 * message's tool calls become function calls in its model turn, each with the result of the `tool`
 * message answering it, so the model's own template renders them as it was trained to.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  for (const message of messages)
    if (message.role === "tool" && typeof message.tool_call_id === "string")
      results.set(message.tool_call_id, messageText(message.content));
  const answered = new Set<string>();
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const text = messageText(message.content);
    if (message.role === "system" || message.role === "developer") history.push({ type: "system", text });
    else if (message.role === "assistant") {
      const calls = (Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : []).filter(
        (call): call is SentToolCall => typeof call === "object" && call !== null,
      );
      const response: ChatModelResponse["response"] = text.length > 0 || calls.length === 0 ? [text] : [];
      for (const call of calls) {
        const id = typeof call.id === "string" ? call.id : "";
        if (results.has(id)) answered.add(id);
        response.push({
          type: "functionCall",
          name: String(call.function?.name ?? ""),
          params: callParams(call.function?.arguments),
          result: results.get(id) ?? "",
        });
      }
      history.push({ type: "model", response });
    } else if (message.role === "tool" && answered.has(String(message.tool_call_id))) continue;
    // A tool result with no call before it reaches the model as user text, as any other turn.
    else history.push({ type: "user", text });
  }
  history.push({ type: "model", response: [] });
  return history;
}
