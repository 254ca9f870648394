// Conversations and messages of one user: stored sealed under a per-conversation data key, readable
// only by the user who owns them. Queries are scoped to (organisation, user) by the conversation store;
// staff reads, the export and the import live in their own files and are reached through this service.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { Usage } from "../inference/language-model.ts";
import { ConversationDeletion } from "./conversation-deletion.ts";
import { searchConversations } from "./conversation-search.ts";
import type { ConversationExport } from "./conversation-export-format.ts";
import { ConversationExporter } from "./conversation-export.ts";
import { ConversationImporter, type ImportResult } from "./conversation-import.ts";
import { ConversationShares } from "./conversation-shares.ts";
import { ConversationStaffReads, type StaffConversationMetadata } from "./conversation-staff-reads.ts";
import { ConversationStore, summaryColumns, type ConversationRow } from "./conversation-store.ts";
import {
  maxInstructions,
  maxMessage,
  type ConversationPage,
  type ConversationSummary,
  type ConversationWithMessages,
  type Member,
  type StoredMessage,
} from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";
import { WorkspacePreferences } from "./workspace-preferences.ts";

export type { ConversationPage, ConversationSummary, Member, StoredMessage } from "./conversation-types.ts";

/** What PATCH may change; each is optional. */
export interface ConversationChanges {
  title?: string;
  pinned?: boolean;
  /** Null or blank removes it. */
  systemPrompt?: string | null;
  model?: string;
}

function cursorOf(position: { updatedAt: Date; id: string }): string {
  return Buffer.from(`${position.updatedAt.toISOString()}|${position.id}`).toString("base64url");
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
  /** Read-only shares inside the organisation (conversation-shares.ts). */
  readonly shares: ConversationShares;
  /** The user's custom instructions (workspace-preferences.ts). */
  readonly preferences: WorkspacePreferences;
  /** Deleting conversations, and what else goes with them (conversation-deletion.ts). */
  readonly deletion: ConversationDeletion;

  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#store = new ConversationStore(dependencies);
    this.#staff = new ConversationStaffReads(this.#store);
    this.#exporter = new ConversationExporter({ store: this.#store, audit: this.#audit });
    this.#importer = new ConversationImporter({ store: this.#store, audit: this.#audit });
    this.shares = new ConversationShares({ store: this.#store, audit: this.#audit });
    this.preferences = new WorkspacePreferences(this.#store);
    this.deletion = new ConversationDeletion(dependencies);
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
   * A page of the user's conversations, most recently used first; `pinned` picks the pinned ones (most
   * recently pinned first) or the others. A search opens titles and messages in memory, a bounded
   * number per request (conversation-search.ts), and its `next` goes on from the last one looked at.
   */
  async list(
    member: Member,
    options: { limit?: number; after?: string; search?: string; pinned?: boolean } = {},
  ): Promise<ConversationPage> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    let query = this.#store.owned(member).select(summaryColumns);
    if (options.pinned === true) query = query.where("pinned_at", "is not", null);
    if (options.pinned === false) query = query.where("pinned_at", "is", null);
    query =
      options.pinned === true
        ? query.orderBy("pinned_at", "desc").orderBy("id", "desc")
        : query.orderBy("updated_at", "desc").orderBy("id", "desc");
    if (options.after && options.pinned !== true) {
      const cursor = parseCursor(options.after);
      query = query.where((eb) =>
        eb.or([
          eb("updated_at", "<", cursor.updatedAt),
          eb.and([eb("updated_at", "=", cursor.updatedAt), eb("id", "<", cursor.id)]),
        ]),
      );
    }
    const retentionDays = await this.#store.retentionDays(member);
    const search = options.search?.trim();
    if (search) {
      async function* pages(): AsyncIterable<ConversationRow[]> {
        for (let offset = 0; ; offset += 100) {
          const rows = await query.limit(100).offset(offset).execute();
          yield rows;
          if (rows.length < 100) return;
        }
      }
      const found = await searchConversations(this.#store, member, pages(), search, limit, retentionDays);
      return {
        data: found.hits.map((hit) => hit.summary),
        next: found.after ? cursorOf(found.after) : null,
        snippets: Object.fromEntries(found.hits.map((hit) => [hit.summary.id, hit.snippet])),
        scanned: found.scanned,
      };
    }
    const rows = await query.limit(limit + 1).execute();
    const data: ConversationSummary[] = [];
    for (const row of rows.slice(0, limit)) data.push(await this.#store.summary(member, row, retentionDays));
    return { data, next: rows.length > limit && options.pinned !== true ? cursorOf(data.at(-1)!) : null };
  }

  get(member: Member, id: string): Promise<ConversationWithMessages> {
    return this.#store.read(member, id);
  }

  async rename(member: Member, id: string, title: string): Promise<ConversationSummary> {
    return this.update(member, id, { title });
  }

  /** Change a conversation's title, pin, system prompt (sealed) or model. */
  async update(member: Member, id: string, changes: ConversationChanges): Promise<ConversationSummary> {
    const title = changes.title === undefined ? undefined : this.#store.checkTitle(changes.title);
    const prompt = changes.systemPrompt?.trim() || null;
    if (prompt && prompt.length > maxInstructions)
      throw workspaceErrors.invalid(
        `A system prompt is at most ${maxInstructions} characters.`,
        "system_prompt",
      );
    const row = await this.#store
      .owned(member)
      .select(["id", "wrapped_key"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const key = await this.#store.key(member, row);
    await this.#db
      .updateTable("conversations")
      .set({
        ...(title === undefined ? {} : { title: this.#store.sealTitle(key, member, id, title) }),
        ...(changes.pinned === undefined
          ? {}
          : { pinned_at: changes.pinned ? sql<Date>`coalesce(pinned_at, now())` : null }),
        ...(changes.systemPrompt === undefined
          ? {}
          : { system_prompt: prompt ? this.#store.sealSystemPrompt(key, member, id, prompt) : null }),
        ...(changes.model === undefined ? {} : { model: changes.model }),
      })
      .where("id", "=", id)
      .where("organization_id", "=", member.organizationId)
      .execute();
    return (await this.get(member, id)).summary;
  }

  /**
   * Show the branch through `messageId`: the newest leaf under it becomes the active message (each
   * step down takes the latest reply, so switching back to a version shows where that branch ended).
   */
  async selectBranch(member: Member, id: string, messageId: string): Promise<ConversationWithMessages> {
    const conversation = await this.get(member, id);
    if (!conversation.messages.some((message) => message.id === messageId))
      throw workspaceErrors.invalid(`No message '${messageId}' in this conversation.`, "message_id");
    let leaf = messageId;
    for (;;) {
      const children = conversation.messages.filter((message) => message.parentId === leaf);
      const latest = children.at(-1);
      if (!latest) break;
      leaf = latest.id;
    }
    await this.#db
      .updateTable("conversations")
      .set({ active_message_id: leaf })
      .where("id", "=", id)
      .where("organization_id", "=", member.organizationId)
      .execute();
    return { ...conversation, activeMessageId: leaf };
  }

  /**
   * Append a message, durably: the row is committed before this returns, and it becomes the active
   * message. It follows `parentId` (null: a new root, an edit of the first message) or, when absent,
   * the active message. The conversation row is locked so concurrent appends get consecutive numbers.
   */
  async append(
    member: Member,
    id: string,
    message: {
      role: StoredMessage["role"];
      content: string;
      model?: string | null;
      usage?: Usage | null;
      parentId?: string | null;
      stopped?: boolean;
      citations?: StoredMessage["citations"];
    },
  ): Promise<StoredMessage> {
    if (message.content.length > maxMessage) {
      throw workspaceErrors.invalid(`A message is at most ${maxMessage} characters.`, "content");
    }
    const messageId = `msg_${randomToken(24)}`;
    const stored = await this.#db.transaction().execute(async (transaction) => {
      const row = await this.#store
        .owned(member, transaction)
        .select(["id", "wrapped_key", "active_message_id"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw workspaceErrors.conversationNotFound(id);
      const key = await this.#store.key(member, row);
      const parentId = message.parentId === undefined ? row.active_message_id : message.parentId;
      if (parentId !== null) {
        const parent = await transaction
          .selectFrom("messages")
          .select("id")
          .where("id", "=", parentId)
          .where("conversation_id", "=", id)
          .executeTakeFirst();
        if (!parent)
          throw workspaceErrors.invalid(`No message '${parentId}' in this conversation.`, "parent_id");
      }
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
        parent_id: parentId,
        stopped: message.stopped ?? false,
        citations: this.#store.sealCitations(key, member, messageId, message.citations),
      };
      await transaction.insertInto("messages").values(values).execute();
      await transaction
        .updateTable("conversations")
        .set({ updated_at: sql<Date>`now()`, active_message_id: messageId })
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
      parentId: stored.parent_id,
      stopped: stored.stopped,
      ...(stored.citations === null ? {} : { citations: message.citations }),
    };
  }

  /** Delete a conversation: its key is destroyed at once; the purge removes the rows (see deletion). */
  delete(member: Member, id: string): Promise<void> {
    return this.deletion.delete(member, id);
  }

  /** Delete every conversation of a user who is being deleted (see conversation-deletion.ts). */
  async deleteAllOf(organizationId: string, userId: string, actor: string): Promise<number> {
    const count = await this.deletion.deleteAllOf(organizationId, userId, actor);
    // Their instructions went too, even when they had no conversation.
    this.preferences.notifyChanged();
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
