// The workspace domain's tables (migrations 0700-workspace, 0950-workspace-threads): conversations,
// messages, retention, preferences and shares.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface ConversationsTable {
  id: string;
  organization_id: string;
  workspace_id: string;
  user_id: string;
  /** The conversation's data key sealed by the organisation key; null once deleted (shredded). */
  wrapped_key: Buffer | null;
  /** The title, sealed by the conversation key; null until one is set. */
  title: Buffer | null;
  model: string;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  deleted_at: Date | null;
  /** The last message of the branch the user sees. */
  active_message_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The chat's system prompt, sealed by the conversation key. */
  system_prompt: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  pinned_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  organization_id: string;
  seq: number;
  role: "system" | "user" | "assistant";
  /** Sealed by the conversation key. */
  content: Buffer;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: CreatedAt;
  /** The message this one follows in the tree; null at the root. */
  parent_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** An answer the user stopped part-way. */
  stopped: ColumnType<boolean, boolean | undefined, boolean>;
  /** The document passages an answer drew on (JSON), sealed by the conversation key; null for none. */
  citations: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
}

export interface WorkspaceRetentionTable {
  workspace_id: string;
  organization_id: string;
  days: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface WorkspacePreferencesTable {
  organization_id: string;
  user_id: string;
  /** The user's data key sealed by the organisation key. */
  wrapped_key: Buffer;
  /** Custom instructions, sealed by the user's data key. */
  instructions: Buffer | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ConversationSharesTable {
  id: string;
  organization_id: string;
  conversation_id: string;
  user_id: string;
  /** The share's data key sealed by the conversation key; null once revoked or deleted. */
  wrapped_key: Buffer | null;
  /** Title and messages at the time of sharing, sealed by the share's key. */
  snapshot: Buffer | null;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: Date | null;
}

declare module "../db/schema.ts" {
  interface Database {
    conversations: ConversationsTable;
    messages: MessagesTable;
    workspace_retention: WorkspaceRetentionTable;
    workspace_preferences: WorkspacePreferencesTable;
    conversation_shares: ConversationSharesTable;
  }
}
