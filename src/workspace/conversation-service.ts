// Conversations and messages of one user: stored sealed under a per-conversation data key, readable
// only by the user who owns them. Queries are scoped to (organisation, user) by the conversation store;
// staff reads, the export and the import live in their own files and are reached through this service.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { Usage } from "../inference/language-model.ts";
import type { ConversationExport } from "./conversation-export-format.ts";
import { ConversationExporter } from "./conversation-export.ts";
import { ConversationImporter, type ImportResult } from "./conversation-import.ts";
import { ConversationStaffReads, type StaffConversationMetadata } from "./conversation-staff-reads.ts";
import { ConversationStore, summaryColumns } from "./conversation-store.ts";
import {
  maxMessage,
  type ConversationPage,
  type ConversationSummary,
  type ConversationWithMessages,
  type Member,
  type StoredMessage,
} from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

export type { ConversationPage, ConversationSummary, Member, StoredMessage } from "./conversation-types.ts";

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
  readonly #audit: AuditLog;
  readonly #store: ConversationStore;
  readonly #staff: ConversationStaffReads;
  readonly #exporter: ConversationExporter;
  readonly #importer: ConversationImporter;

  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#store = new ConversationStore(dependencies);
    this.#staff = new ConversationStaffReads(this.#store);
    this.#exporter = new ConversationExporter({ store: this.#store, audit: this.#audit });
    this.#importer = new ConversationImporter({ store: this.#store, audit: this.#audit });
  }

  async create(
    member: Member,
    input: { model: string; title?: string | null },
  ): Promise<ConversationSummary> {
    const id = `conv_${randomToken(24)}`;
    const { key, wrapped } = await this.#store.newKey(member, id);
    const title = input.title ? this.#store.checkTitle(input.title) : null;
    await this.#db
      .insertInto("conversations")
      .values({
        id,
        organization_id: member.organizationId,
        workspace_id: member.workspaceId,
        user_id: member.userId,
        wrapped_key: wrapped,
        title: title ? this.#store.sealTitle(key, member, id, title) : null,
        model: input.model,
      })
      .execute();
    return this.get(member, id).then((conversation) => conversation.summary);
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
    let query = this.#store
      .owned(member)
      .select(summaryColumns)
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
    const retentionDays = await this.#store.retentionDays(member);
    const data: ConversationSummary[] = [];
    let hasMore = false;
    const batch = search ? 200 : limit + 1;
    for (let offset = 0; ; offset += batch) {
      const rows = await query.limit(batch).offset(offset).execute();
      for (const row of rows) {
        const summary = await this.#store.summary(member, row, retentionDays);
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

  get(member: Member, id: string): Promise<ConversationWithMessages> {
    return this.#store.read(member, id);
  }

  async rename(member: Member, id: string, title: string): Promise<ConversationSummary> {
    const checked = this.#store.checkTitle(title);
    const row = await this.#store
      .owned(member)
      .select(["id", "wrapped_key"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const key = await this.#store.key(member, row);
    await this.#db
      .updateTable("conversations")
      .set({ title: this.#store.sealTitle(key, member, id, checked) })
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
      const row = await this.#store
        .owned(member, transaction)
        .select(["id", "wrapped_key"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw workspaceErrors.conversationNotFound(id);
      const key = await this.#store.key(member, row);
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
        content: this.#store.sealMessage(key, member, messageId, message.content),
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
    const owned = await this.#store.owned(member).select("id").where("id", "=", id).executeTakeFirst();
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

  /** Staff access (SEC-3): metadata of an organisation's conversations; see conversation-staff-reads.ts. */
  listForStaff(organizationId: string, userId?: string): Promise<StaffConversationMetadata[]> {
    return this.#staff.list(organizationId, userId);
  }

  /** Staff access (SEC-3): one conversation, decrypted, behind a grant the privacy domain checked. */
  readForStaff(
    organizationId: string,
    id: string,
  ): Promise<{ userId: string; summary: ConversationSummary; messages: StoredMessage[] }> {
    return this.#staff.read(organizationId, id);
  }

  /** The user's export document (OWN-2): every message of every conversation, with counts and digest. */
  export(member: Member): Promise<ConversationExport> {
    return this.#exporter.export(member);
  }

  /** Load an export (parsed JSON) for the member; refused whole, writing nothing, unless it is intact. */
  import(member: Member, document: unknown, actor?: string): Promise<ImportResult> {
    return this.#importer.import(member, document, actor);
  }

  /** Load an export file's text for the member (the CLI); bounded in size, refused whole like `import`. */
  importText(member: Member, text: string, actor?: string): Promise<ImportResult> {
    return this.#importer.importText(member, text, actor);
  }
}
