// What can be done to a conversation from the list or from its header; each answers with the new
// summary (or nothing, for a delete), and throws ApiError when refused.
import { call, type ConversationSummary } from "../api.ts";

export const renameConversation = (id: string, title: string) =>
  call<ConversationSummary>("PATCH", `/api/conversations/${id}`, { title });

export const pinConversation = (id: string, pinned: boolean) =>
  call<ConversationSummary>("PATCH", `/api/conversations/${id}`, { pinned });

export const deleteConversation = (id: string) => call<void>("DELETE", `/api/conversations/${id}`);

export const deleteWarning =
  "It becomes unreadable at once (its encryption key is destroyed), and its stored data is removed within the hour.";

const day = 24 * 3600 * 1000;

/** The date group a conversation is listed under: Today, Yesterday, Previous 7 days, ..., a month. */
export function dateGroup(updatedAt: string, now: Date = new Date()): string {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const at = new Date(updatedAt);
  const time = at.getTime();
  if (time >= startOfToday) return "Today";
  if (time >= startOfToday - day) return "Yesterday";
  if (time >= startOfToday - 7 * day) return "Previous 7 days";
  if (time >= startOfToday - 30 * day) return "Previous 30 days";
  return at.toLocaleDateString(undefined, { month: "long", year: "numeric" });
}
