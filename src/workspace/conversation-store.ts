// The one place that scopes conversation queries to (organisation, user) and seals or opens their
// titles and messages under the conversation's data key; every conversation service reads through it.
import { newDataKey, openDataKey, openWithDataKey, sealWithDataKey } from "../crypto/data-key.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import {
  maxTitle,
  type Citation,
  type ConversationSummary,
  type ConversationWithMessages,
  type Member,
} from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

const day = 24 * 3600 * 1000;

/** The columns a summary is made from. */
export interface ConversationRow {
  id: string;
  wrapped_key: Buffer | null;
  title: Buffer | null;
  model: string;
  created_at: Date;
  updated_at: Date;
  pinned_at: Date | null;
}

export const summaryColumns = [
  "id",
  "wrapped_key",
  "title",
  "model",
  "created_at",
  "updated_at",
  "pinned_at",
] as const;

export class ConversationStore {
  readonly db: Db;
  readonly #keyring: Keyring;

  constructor(dependencies: { db: Db; keyring: Keyring }) {
    this.db = dependencies.db;
    this.#keyring = dependencies.keyring;
  }

  /** Records destroyed keys in the ledger that restores replay (see Keyring.destroyed). */
  destroyed(organization: string, places: ReadonlyArray<{ table: string; row: string }>): void {
    this.#keyring.destroyed(organization, places);
  }

  /** The one place that scopes conversation queries: this organisation, this user, not deleted. */
  owned(member: Member, db: Db = this.db) {
    return db
      .selectFrom("conversations")
      .where("conversations.organization_id", "=", member.organizationId)
      .where("conversations.user_id", "=", member.userId)
      .where("conversations.deleted_at", "is", null);
  }

  #place(id: string) {
    return { table: "conversations", row: id };
  }

  /** A new data key for conversation `id`, and its wrapped form for the row. */
  newKey(member: Member, id: string): Promise<{ key: Buffer; wrapped: Buffer }> {
    return newDataKey(this.#keyring, member.organizationId, this.#place(id));
  }

  async key(member: Member, row: { id: string; wrapped_key: Buffer | null }): Promise<Buffer> {
    if (!row.wrapped_key) throw workspaceErrors.conversationNotFound(row.id);
    return openDataKey(this.#keyring, member.organizationId, this.#place(row.id), row.wrapped_key);
  }

  /** A new data key kept in another workspace table (a user's preferences), wrapped by the organisation key. */
  newKeyAt(member: Member, table: string, row: string): Promise<{ key: Buffer; wrapped: Buffer }> {
    return newDataKey(this.#keyring, member.organizationId, { table, row });
  }

  keyAt(member: Member, table: string, row: string, wrapped: Buffer): Promise<Buffer> {
    return openDataKey(this.#keyring, member.organizationId, { table, row }, wrapped);
  }

  /** Seal under a data key, bound to (table, row, organisation) so it cannot be moved elsewhere. */
  seal(key: Buffer, member: Member, table: string, row: string, content: Buffer | string): Buffer {
    return sealWithDataKey(key, this.#binding(member, table, row), content);
  }

  open(key: Buffer, member: Member, table: string, row: string, sealed: Buffer): Buffer {
    return openWithDataKey(key, this.#binding(member, table, row), sealed);
  }

  #binding(member: Member, table: string, row: string) {
    return { table, row, organization: member.organizationId };
  }

  sealTitle(key: Buffer, member: Member, conversationId: string, title: string): Buffer {
    return sealWithDataKey(key, this.#binding(member, "conversations.title", conversationId), title);
  }

  sealSystemPrompt(key: Buffer, member: Member, conversationId: string, prompt: string): Buffer {
    return sealWithDataKey(key, this.#binding(member, "conversations.system_prompt", conversationId), prompt);
  }

  openSystemPrompt(key: Buffer, member: Member, conversationId: string, sealed: Buffer): string {
    const binding = this.#binding(member, "conversations.system_prompt", conversationId);
    return openWithDataKey(key, binding, sealed).toString("utf8");
  }

  /** A title opened for its owner (search reads titles without building summaries). */
  openTitle(key: Buffer, member: Member, conversationId: string, sealed: Buffer): string {
    const binding = this.#binding(member, "conversations.title", conversationId);
    return openWithDataKey(key, binding, sealed).toString("utf8");
  }

  sealMessage(key: Buffer, member: Member, messageId: string, content: string): Buffer {
    return sealWithDataKey(key, this.#binding(member, "messages", messageId), content);
  }

  openMessage(key: Buffer, member: Member, messageId: string, content: Buffer): string {
    return openWithDataKey(key, this.#binding(member, "messages", messageId), content).toString("utf8");
  }

  /** An answer's citations: sealed JSON beside its text, or null when it drew on no document. */
  sealCitations(key: Buffer, member: Member, messageId: string, citations?: readonly Citation[]) {
    if (!citations?.length) return null;
    const binding = this.#binding(member, "messages.citations", messageId);
    return sealWithDataKey(key, binding, JSON.stringify(citations));
  }

  openCitations(key: Buffer, member: Member, messageId: string, sealed: Buffer | null) {
    if (sealed === null) return {};
    const binding = this.#binding(member, "messages.citations", messageId);
    return { citations: JSON.parse(openWithDataKey(key, binding, sealed).toString("utf8")) as Citation[] };
  }

  checkTitle(title: string): string {
    const trimmed = title.trim();
    if (trimmed.length === 0 || trimmed.length > maxTitle) {
      throw workspaceErrors.invalid(`A title is 1 to ${maxTitle} characters.`, "title");
    }
    return trimmed;
  }

  async retentionDays(member: Member): Promise<number | null> {
    const row = await this.db
      .selectFrom("workspace_retention")
      .select("days")
      .where("organization_id", "=", member.organizationId)
      .where("workspace_id", "=", member.workspaceId)
      .executeTakeFirst();
    return row?.days ?? null;
  }

  async summary(
    member: Member,
    row: ConversationRow,
    retentionDays: number | null,
  ): Promise<ConversationSummary> {
    let title: string | null = null;
    if (row.title) title = this.openTitle(await this.key(member, row), member, row.id, row.title);
    return {
      id: row.id,
      title,
      model: row.model,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      keptUntil: retentionDays === null ? null : new Date(row.updated_at.getTime() + retentionDays * day),
      pinnedAt: row.pinned_at,
    };
  }

  /** One of the member's conversations with every message, decrypted; not theirs is "not found". */
  async read(member: Member, id: string, retentionDays?: number | null): Promise<ConversationWithMessages> {
    const row = await this.owned(member)
      .select([...summaryColumns, "active_message_id", "system_prompt"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const key = await this.key(member, row);
    const rows = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", id)
      .where("organization_id", "=", member.organizationId)
      .orderBy("seq")
      .execute();
    const messages = rows.map((message) => ({
      id: message.id,
      role: message.role,
      content: this.openMessage(key, member, message.id, message.content),
      model: message.model,
      usage:
        message.prompt_tokens === null || message.completion_tokens === null
          ? null
          : { prompt_tokens: message.prompt_tokens, completion_tokens: message.completion_tokens },
      createdAt: message.created_at,
      parentId: message.parent_id,
      stopped: message.stopped,
      ...this.openCitations(key, member, message.id, message.citations),
    }));
    const days = retentionDays === undefined ? await this.retentionDays(member) : retentionDays;
    return {
      summary: await this.summary(member, row, days),
      messages,
      activeMessageId: row.active_message_id,
      systemPrompt: row.system_prompt ? this.openSystemPrompt(key, member, id, row.system_prompt) : null,
    };
  }
}
