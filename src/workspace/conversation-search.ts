// Search in a user's titles and message content with no index on disk: titles and messages are
// ciphertext, so each request opens the user's own conversations in memory, most recent first, and
// stops after a bounded number of them; the answer says where to go on. See docs/workspace-search.md.
import type { ConversationStore, ConversationRow } from "./conversation-store.ts";
import type { ConversationSummary, Member } from "./conversation-types.ts";

/** Conversations one search request opens at most: bounds the work any one request can ask for. */
export const searchScanLimit = 400;
/** Conversations whose messages are read in one query. */
const batch = 50;
const snippetRadius = 60;

export interface SearchHit {
  summary: ConversationSummary;
  /** Where the words were found in a message: a short excerpt around them; null for a title match. */
  snippet: string | null;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The last conversation looked at, to go on from; null when every conversation was looked at. */
  after: { updatedAt: Date; id: string } | null;
  scanned: number;
}

function snippetOf(text: string, at: number, length: number): string {
  const start = Math.max(0, at - snippetRadius);
  const end = Math.min(text.length, at + length + snippetRadius);
  const excerpt = text.slice(start, end).replace(/\s+/g, " ").trim();
  return `${start > 0 ? "…" : ""}${excerpt}${end < text.length ? "…" : ""}`;
}

/**
 * Open `rows` (the member's conversations, in list order) until `limit` match or the scan limit is
 * reached. Case-insensitive substring match on the title, then on each message of every branch.
 */
export async function searchConversations(
  store: ConversationStore,
  member: Member,
  rows: AsyncIterable<ConversationRow[]>,
  words: string,
  limit: number,
  retentionDays: number | null,
): Promise<SearchResult> {
  const needle = words.toLowerCase();
  const hits: SearchHit[] = [];
  let scanned = 0;
  let last: ConversationRow | null = null;
  let exhausted = true;
  outer: for await (const page of rows) {
    for (let start = 0; start < page.length; start += batch) {
      const group = page.slice(start, start + batch);
      const messages = await store.db
        .selectFrom("messages")
        .select(["id", "conversation_id", "content"])
        .where("organization_id", "=", member.organizationId)
        .where(
          "conversation_id",
          "in",
          group.map((row) => row.id),
        )
        .orderBy("seq")
        .execute();
      for (const row of group) {
        if (hits.length === limit || scanned === searchScanLimit) {
          exhausted = false;
          break outer;
        }
        scanned += 1;
        last = row;
        const key = await store.key(member, row);
        const title = row.title ? store.openTitle(key, member, row.id, row.title) : "";
        let snippet: string | null | undefined = title.toLowerCase().includes(needle) ? null : undefined;
        for (const message of messages) {
          if (snippet !== undefined) break;
          if (message.conversation_id !== row.id) continue;
          const text = store.openMessage(key, member, message.id, message.content);
          const at = text.toLowerCase().indexOf(needle);
          if (at >= 0) snippet = snippetOf(text, at, needle.length);
        }
        if (snippet !== undefined)
          hits.push({ summary: await store.summary(member, row, retentionDays), snippet });
      }
    }
  }
  return {
    hits,
    after: exhausted || !last ? null : { updatedAt: last.updated_at, id: last.id },
    scanned,
  };
}
