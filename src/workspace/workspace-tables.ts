// The workspace domain's tables (migration 0700-workspace): conversations, messages, retention.
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
}

export interface WorkspaceRetentionTable {
  workspace_id: string;
  organization_id: string;
  days: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module "../db/schema.ts" {
  interface Database {
    conversations: ConversationsTable;
    messages: MessagesTable;
    workspace_retention: WorkspaceRetentionTable;
  }
}
