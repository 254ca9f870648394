// Maps OpenAI chat messages onto node-llama-cpp's chat history, which its chat wrapper (the model's own
// template) renders into the prompt.
import type { ChatHistoryItem } from "node-llama-cpp";
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

/** The history to generate from, ending with the empty model turn the answer goes into. */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const text = messageText(message.content);
    if (message.role === "system" || message.role === "developer") history.push({ type: "system", text });
    else if (message.role === "assistant") history.push({ type: "model", response: [text] });
    // Tool results have no turn of their own in most local templates: they reach the model as user text.
    else history.push({ type: "user", text });
  }
  history.push({ type: "model", response: [] });
  return history;
}
