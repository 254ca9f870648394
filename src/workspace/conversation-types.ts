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
}

export type MessageRole = "system" | "user" | "assistant";

export interface StoredMessage {
  id: string;
  role: MessageRole;
  content: string;
  model: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  createdAt: Date;
}

export interface ConversationPage {
  data: ConversationSummary[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
}

/** A conversation with every message, decrypted for its owner. */
export interface ConversationWithMessages {
  summary: ConversationSummary;
  messages: StoredMessage[];
}

/** Characters in a title. */
export const maxTitle = 300;
/** Characters in one message. */
export const maxMessage = 1_000_000;
