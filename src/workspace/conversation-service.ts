// Conversations and messages of one user: stored sealed under a per-conversation data key, readable
// only by the user who owns them. Every query is scoped to (organisation, user) in `#owned`.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import { newDataKey, openDataKey, openWithDataKey, sealWithDataKey } from "../crypto/data-key.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { Usage } from "../inference/language-model.ts";
import { workspaceErrors } from "./workspace-errors.ts";

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

export interface StoredMessage {
  id: string;
  role: "system" | "user" | "assistant";
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

const maxTitle = 300;
const maxMessage = 1_000_000;
const day = 24 * 3600 * 1000;

function cursorOf(summary: ConversationSummary): string {
  return Buffer.from(`${summary.updatedAt.toISOString()}|${summary.id}`).toString("base64url");
}

function parseCursor(cursor: string): { updatedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const updatedAt = new Date(at ?? "");
  if (!id || Number.isNaN(updatedAt.getTime()))
    throw workspaceErrors.invalid("'after' is not a valid cursor.", "after");
  return { updatedAt, id };
}

export class ConversationService {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
  }

  /** The one place that scopes conversation queries: this organisation, this user, not deleted. */
  #owned(member: Member, db: Db = this.#db) {
    return db
      .selectFrom("conversations")
      .where("conversations.organization_id", "=", member.organizationId)
      .where("conversations.user_id", "=", member.userId)
      .where("conversations.deleted_at", "is", null);
  }

  #place(id: string) {
    return { table: "conversations", row: id };
  }

  async #key(member: Member, row: { id: string; wrapped_key: Buffer | null }): Promise<Buffer> {
    if (!row.wrapped_key) throw workspaceErrors.conversationNotFound(row.id);
    return openDataKey(this.#keyring, member.organizationId, this.#place(row.id), row.wrapped_key);
  }

  #binding(member: Member, table: string, row: string) {
    return { table, row, organization: member.organizationId };
  }

  async #retentionDays(member: Member): Promise<number | null> {
    const row = await this.#db
      .selectFrom("workspace_retention")
      .select("days")
      .where("organization_id", "=", member.organizationId)
      .where("workspace_id", "=", member.workspaceId)
      .executeTakeFirst();
    return row?.days ?? null;
  }

  async #summary(
    member: Member,
    row: {
      id: string;
      wrapped_key: Buffer | null;
      title: Buffer | null;
      model: string;
      created_at: Date;
      updated_at: Date;
    },
    retentionDays: number | null,
  ): Promise<ConversationSummary> {
    let title: string | null = null;
    if (row.title) {
      const key = await this.#key(member, row);
      title = openWithDataKey(key, this.#binding(member, "conversations.title", row.id), row.title).toString(
        "utf8",
      );
    }
    return {
      id: row.id,
      title,
      model: row.model,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      keptUntil: retentionDays === null ? null : new Date(row.updated_at.getTime() + retentionDays * day),
    };
  }

  async create(
    member: Member,
    input: { model: string; title?: string | null },
  ): Promise<ConversationSummary> {
    const id = `conv_${randomToken(24)}`;
    const { key, wrapped } = await newDataKey(this.#keyring, member.organizationId, this.#place(id));
    const title = input.title ? this.#checkTitle(input.title) : null;
    await this.#db
      .insertInto("conversations")
      .values({
        id,
        organization_id: member.organizationId,
        workspace_id: member.workspaceId,
        user_id: member.userId,
        wrapped_key: wrapped,
        title: title ? sealWithDataKey(key, this.#binding(member, "conversations.title", id), title) : null,
        model: input.model,
      })
      .execute();
    return this.get(member, id).then((conversation) => conversation.summary);
  }

  #checkTitle(title: string): string {
    const trimmed = title.trim();
    if (trimmed.length === 0 || trimmed.length > maxTitle) {
      throw workspaceErrors.invalid(`A title is 1 to ${maxTitle} characters.`, "title");
    }
    return trimmed;
  }

  /**
   * A page of the user's conversations, most recently used first. Titles are ciphertext, so a title
   * search decrypts this user's titles in memory; a user's list is small enough for that.
   */
  async list(
    member: Member,
    options: { limit?: number; after?: string; search?: string } = {},
  ): Promise<ConversationPage> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    let query = this.#owned(member)
      .select(["id", "wrapped_key", "title", "model", "created_at", "updated_at"])
      .orderBy("updated_at", "desc")
      .orderBy("id", "desc");
    if (options.after) {
      const cursor = parseCursor(options.after);
      query = query.where((eb) =>
        eb.or([
          eb("updated_at", "<", cursor.updatedAt),
          eb.and([eb("updated_at", "=", cursor.updatedAt), eb("id", "<", cursor.id)]),
        ]),
      );
    }
    const search = options.search?.trim().toLowerCase();
    const retentionDays = await this.#retentionDays(member);
    const data: ConversationSummary[] = [];
    let hasMore = false;
    const batch = search ? 200 : limit + 1;
    for (let offset = 0; ; offset += batch) {
      const rows = await query.limit(batch).offset(offset).execute();
      for (const row of rows) {
        const summary = await this.#summary(member, row, retentionDays);
        if (search && !(summary.title ?? "").toLowerCase().includes(search)) continue;
        if (data.length === limit) {
          hasMore = true;
          break;
        }
        data.push(summary);
      }
      if (hasMore || rows.length < batch) break;
    }
    return { data, next: hasMore ? cursorOf(data.at(-1)!) : null };
  }

  async get(
    member: Member,
    id: string,
  ): Promise<{ summary: ConversationSummary; messages: StoredMessage[] }> {
    const row = await this.#owned(member)
      .select(["id", "wrapped_key", "title", "model", "created_at", "updated_at"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const key = await this.#key(member, row);
    const rows = await this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", id)
      .where("organization_id", "=", member.organizationId)
      .orderBy("seq")
      .execute();
    const messages = rows.map((message) => ({
      id: message.id,
      role: message.role,
      content: openWithDataKey(key, this.#binding(member, "messages", message.id), message.content).toString(
        "utf8",
      ),
      model: message.model,
      usage:
        message.prompt_tokens === null || message.completion_tokens === null
          ? null
          : { prompt_tokens: message.prompt_tokens, completion_tokens: message.completion_tokens },
      createdAt: message.created_at,
    }));
    return { summary: await this.#summary(member, row, await this.#retentionDays(member)), messages };
  }

  async rename(member: Member, id: string, title: string): Promise<ConversationSummary> {
    const checked = this.#checkTitle(title);
    const row = await this.#owned(member)
      .select(["id", "wrapped_key"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const key = await this.#key(member, row);
    await this.#db
      .updateTable("conversations")
      .set({ title: sealWithDataKey(key, this.#binding(member, "conversations.title", id), checked) })
      .where("id", "=", id)
      .where("organization_id", "=", member.organizationId)
      .execute();
    return (await this.get(member, id)).summary;
  }

  /**
   * Append a message, durably: the row is committed before this returns. The conversation row is
   * locked so concurrent appends get consecutive sequence numbers.
   */
  async append(
    member: Member,
    id: string,
    message: { role: StoredMessage["role"]; content: string; model?: string | null; usage?: Usage | null },
  ): Promise<StoredMessage> {
    if (message.content.length > maxMessage) {
      throw workspaceErrors.invalid(`A message is at most ${maxMessage} characters.`, "content");
    }
    const messageId = `msg_${randomToken(24)}`;
    const stored = await this.#db.transaction().execute(async (transaction) => {
      const row = await this.#owned(member, transaction)
        .select(["id", "wrapped_key"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw workspaceErrors.conversationNotFound(id);
      const key = await this.#key(member, row);
      const last = await transaction
        .selectFrom("messages")
        .select((eb) => eb.fn.max("seq").as("seq"))
        .where("conversation_id", "=", id)
        .executeTakeFirst();
      const values = {
        id: messageId,
        conversation_id: id,
        organization_id: member.organizationId,
        seq: Number(last?.seq ?? 0) + 1,
        role: message.role,
        content: sealWithDataKey(key, this.#binding(member, "messages", messageId), message.content),
        model: message.model ?? null,
        prompt_tokens: message.usage?.prompt_tokens ?? null,
        completion_tokens: message.usage?.completion_tokens ?? null,
      };
      await transaction.insertInto("messages").values(values).execute();
      await transaction
        .updateTable("conversations")
        .set({ updated_at: sql<Date>`now()` })
        .where("id", "=", id)
        .execute();
      return values;
    });
    return {
      id: stored.id,
      role: stored.role,
      content: message.content,
      model: stored.model,
      usage: message.usage
        ? { prompt_tokens: message.usage.prompt_tokens, completion_tokens: message.usage.completion_tokens }
        : null,
      createdAt: new Date(),
    };
  }

  /** Remove the last assistant message (to regenerate it); returns whether there was one. */
  async dropLastAssistantMessage(member: Member, id: string): Promise<boolean> {
    const owned = await this.#owned(member).select("id").where("id", "=", id).executeTakeFirst();
    if (!owned) throw workspaceErrors.conversationNotFound(id);
    const last = await this.#db
      .selectFrom("messages")
      .select(["id", "role"])
      .where("conversation_id", "=", id)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    if (last?.role !== "assistant") return false;
    await this.#db.deleteFrom("messages").where("id", "=", last.id).execute();
    return true;
  }

  /**
   * Delete a conversation: its data key is destroyed in this transaction, so every stored title and
   * message is unreadable at once; the purge removes the rows later.
   */
  async delete(member: Member, id: string): Promise<void> {
    const result = await this.#db
      .updateTable("conversations")
      .set({ wrapped_key: null, title: null, deleted_at: sql<Date>`now()` })
      .where("organization_id", "=", member.organizationId)
      .where("user_id", "=", member.userId)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw workspaceErrors.conversationNotFound(id);
    await this.#audit.append({
      actor: member.userId,
      action: "conversation.deleted",
      target: id,
      organizationId: member.organizationId,
    });
  }

  /**
   * Staff access (SEC-3): metadata of an organisation's conversations (no titles, no content), for an
   * operator whose grant the privacy domain has checked (and which logs the access).
   */
  async listForStaff(
    organizationId: string,
    userId?: string,
  ): Promise<
    Array<{ id: string; userId: string; model: string; messages: number; createdAt: Date; updatedAt: Date }>
  > {
    let query = this.#db
      .selectFrom("conversations")
      .leftJoin("messages", "messages.conversation_id", "conversations.id")
      .select((eb) => [
        "conversations.id",
        "conversations.user_id",
        "conversations.model",
        "conversations.created_at",
        "conversations.updated_at",
        eb.fn.count<number>("messages.id").as("messages"),
      ])
      .where("conversations.organization_id", "=", organizationId)
      .where("conversations.deleted_at", "is", null)
      .groupBy(["conversations.id"])
      .orderBy("conversations.updated_at", "desc")
      .limit(1000);
    if (userId !== undefined) query = query.where("conversations.user_id", "=", userId);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      model: row.model,
      messages: Number(row.messages),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  /**
   * Staff access (SEC-3): one conversation, decrypted, for an operator whose grant covers it (the user's
   * consent, or a legal grant for its owner). The privacy domain checks the grant and logs the read;
   * the read itself still goes through the owner's scope.
   */
  async readForStaff(
    organizationId: string,
    id: string,
  ): Promise<{ userId: string; summary: ConversationSummary; messages: StoredMessage[] }> {
    const row = await this.#db
      .selectFrom("conversations")
      .select(["workspace_id", "user_id"])
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const owner: Member = { organizationId, workspaceId: row.workspace_id, userId: row.user_id };
    return { userId: row.user_id, ...(await this.get(owner, id)) };
  }

  /**
   * Delete every conversation of a user who is being deleted: all their keys are destroyed in one
   * statement, so all of it is unreadable at once; the purge removes the rows.
   */
  async deleteAllOf(organizationId: string, userId: string, actor: string): Promise<number> {
    const result = await this.#db
      .updateTable("conversations")
      .set({ wrapped_key: null, title: null, deleted_at: sql<Date>`now()` })
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    const count = Number(result.numUpdatedRows);
    await this.#audit.append({
      actor,
      action: "conversations.deleted_with_user",
      target: userId,
      organizationId,
      metadata: { conversations: count },
    });
    return count;
  }

  /** Every conversation of the user with its messages, decrypted for them (OWN-2 export). */
  async exportAll(
    member: Member,
  ): Promise<Array<{ summary: ConversationSummary; messages: StoredMessage[] }>> {
    const rows = await this.#owned(member).select("id").orderBy("created_at").execute();
    const conversations = [];
    for (const row of rows) conversations.push(await this.get(member, row.id));
    await this.#audit.append({
      actor: member.userId,
      action: "conversations.exported",
      target: member.userId,
      organizationId: member.organizationId,
      metadata: { conversations: conversations.length },
    });
    return conversations;
  }
}
