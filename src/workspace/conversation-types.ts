// The shapes the workspace's conversation services share: who is asking, a conversation's summary and
// its messages as the owner reads them, and the limits every path that writes them enforces.

/** Who is asking: the signed-in user, in one workspace of one organisation. */
export interface Member {
  organizationId: string;
  workspaceId: string;
  userId: string;
}

export interface ConversationSummary {
  id: string;
  title: string | null;
  model: string;
  createdAt: Date;
  updatedAt: Date;
  /** When retention will remove it unless it is used again; null when kept until deleted. */
  keptUntil: Date | null;
  /** When the user pinned it to the top of their list; null when not pinned. */
  pinnedAt: Date | null;
}

/** A passage an answer was given, and where it came from. */
export interface Citation {
  /** 1-based number the answer cites it by: [1], [2], ... */
  number: number;
  documentId: string;
  filename: string;
  page: number | null;
  section: string | null;
  passage: string;
}

export type MessageRole = "system" | "user" | "assistant";

export interface StoredMessage {
  id: string;
  role: MessageRole;
  content: string;
  model: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  createdAt: Date;
  /** The message this one follows; null at the root. Siblings are edits or regenerated versions. */
  parentId: string | null;
  /** An answer the user stopped part-way. */
  stopped: boolean;
  /** The document passages an answer was given (sealed with it); absent when it drew on none. */
  citations?: Citation[];
}

export interface ConversationPage {
  data: ConversationSummary[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
  /** For a search: the excerpt where each conversation matched (null: its title matched). */
  snippets?: Record<string, string | null>;
  /** For a search: how many conversations this request looked in. */
  scanned?: number;
}

/** A conversation with every message of every branch (in the order written), decrypted for its owner. */
export interface ConversationWithMessages {
  summary: ConversationSummary;
  messages: StoredMessage[];
  /** The last message of the branch the user sees; null before the first message. */
  activeMessageId: string | null;
  systemPrompt: string | null;
}

/** Characters in a title. */
export const maxTitle = 300;
/** Characters in one message. */
export const maxMessage = 1_000_000;
/** Characters in a system prompt or in custom instructions. */
export const maxInstructions = 20_000;

/** The branch that ends at `leafId`, root first: what the model is sent and the user sees. */
export function branchOf<T extends { id: string; parentId: string | null }>(
  messages: readonly T[],
  leafId: string | null,
): T[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const branch: T[] = [];
  const seen = new Set<string>();
  for (let current = leafId ? byId.get(leafId) : undefined; current && !seen.has(current.id);) {
    seen.add(current.id);
    branch.push(current);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return branch.reverse();
}
