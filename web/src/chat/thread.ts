// The message tree of a conversation, as the chat screen reads it: the branch shown, and each
// message's versions (its siblings: edits of a question, or answers to the same question).
import type { Message } from "../api.ts";

/** The branch that ends at `leafId`, root first. */
export function branchOf(messages: readonly Message[], leafId: string | null): Message[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const branch: Message[] = [];
  const seen = new Set<string>();
  for (let current = leafId ? byId.get(leafId) : undefined; current && !seen.has(current.id);) {
    seen.add(current.id);
    branch.push(current);
    current = current.parent_id ? byId.get(current.parent_id) : undefined;
  }
  return branch.reverse();
}

/** The versions of a message, in the order written (itself included). */
export function versionsOf(messages: readonly Message[], message: Message): Message[] {
  return messages.filter((other) => other.parent_id === message.parent_id && other.role === message.role);
}
