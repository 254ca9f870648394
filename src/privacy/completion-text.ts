// The text of a chat request and its answer, joined for classifiers; images and tool calls are skipped.
import type { ChatRequest } from "../inference/language-model.ts";

function contentText(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part === "object" && part !== null) {
      const text = (part as { text?: unknown }).text;
      if (typeof text === "string") texts.push(text);
    }
  }
  return texts;
}

export function completionText(request: ChatRequest, output: string | null): string {
  const texts = request.messages.flatMap((message) => contentText(message.content));
  if (output) texts.push(output);
  return texts.join("\n");
}
