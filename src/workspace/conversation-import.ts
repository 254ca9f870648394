// Loads a user's export (OWN-2) into this installation for a member: the whole export is checked first,
// every conversation gets new ids and a new data key under this organisation's key, and all of it is
// written in one transaction, so a refused or failed import writes nothing.
import type { Insertable } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import {
  checkConversationExport,
  parseConversationExport,
  type ConversationExport,
} from "./conversation-export-format.ts";
import type { ConversationStore } from "./conversation-store.ts";
import type { Member } from "./conversation-types.ts";
import type { ConversationsTable, MessagesTable } from "./workspace-tables.ts";

export interface ImportResult {
  conversations: Array<{ id: string; source_id: string; messages: number }>;
  messages: number;
  /** The digest of the export that was imported, as recorded in the audit log. */
  digest: string;
}

/** Rows per INSERT: far below PostgreSQL's 65,535 parameters, few round trips. */
const batch = 500;

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += batch) result.push(items.slice(start, start + batch));
  return result;
}

export class ConversationImporter {
  readonly #store: ConversationStore;
  readonly #audit: AuditLog;

  constructor(dependencies: { store: ConversationStore; audit: AuditLog }) {
    this.#store = dependencies.store;
    this.#audit = dependencies.audit;
  }

  /** Import an export file's text (the CLI, where `actor` is the administrator). */
  async importText(member: Member, text: string, actor = member.userId): Promise<ImportResult> {
    return this.#write(member, parseConversationExport(text), actor);
  }

  /** Import an export already parsed from JSON (the API, whose body limit bounds its size). */
  async import(member: Member, value: unknown, actor = member.userId): Promise<ImportResult> {
    return this.#write(member, checkConversationExport(value), actor);
  }

  async #write(member: Member, document: ConversationExport, actor: string): Promise<ImportResult> {
    const store = this.#store;
    const conversationRows: Array<Insertable<ConversationsTable>> = [];
    const messageRows: Array<Insertable<MessagesTable>> = [];
    const result: ImportResult["conversations"] = [];
    // Everything is sealed before the transaction opens, so it stays short and holds no key service call.
    for (const conversation of document.conversations) {
      const id = `conv_${randomToken(24)}`;
      const { key, wrapped } = await store.newKey(member, id);
      const title = conversation.title === null ? null : store.checkTitle(conversation.title);
      conversationRows.push({
        id,
        organization_id: member.organizationId,
        workspace_id: member.workspaceId,
        user_id: member.userId,
        wrapped_key: wrapped,
        title: title === null ? null : store.sealTitle(key, member, id, title),
        system_prompt:
          conversation.system_prompt === null
            ? null
            : store.sealSystemPrompt(key, member, id, conversation.system_prompt),
        pinned_at: conversation.pinned ? new Date() : null,
        model: conversation.model,
        created_at: new Date(conversation.created_at),
        // updated_at is this installation's retention clock: it starts at the import (the default now()).
      });
      // New ids everywhere; the tree keeps its shape through this map (parents come first).
      const newIds = new Map<string, string>();
      conversation.messages.forEach((message, index) => {
        const messageId = `msg_${randomToken(24)}`;
        newIds.set(message.id, messageId);
        messageRows.push({
          id: messageId,
          conversation_id: id,
          organization_id: member.organizationId,
          seq: index + 1,
          role: message.role,
          content: store.sealMessage(key, member, messageId, message.content),
          model: message.model,
          prompt_tokens: message.usage?.prompt_tokens ?? null,
          completion_tokens: message.usage?.completion_tokens ?? null,
          created_at: new Date(message.created_at),
          parent_id: message.parent_id === null ? null : newIds.get(message.parent_id)!,
          stopped: message.stopped,
        });
      });
      conversationRows.at(-1)!.active_message_id =
        conversation.active_message_id === null ? null : newIds.get(conversation.active_message_id)!;
      result.push({ id, source_id: conversation.id, messages: conversation.messages.length });
    }
    await store.db.transaction().execute(async (transaction) => {
      for (const rows of chunks(conversationRows))
        await transaction.insertInto("conversations").values(rows).execute();
      for (const rows of chunks(messageRows)) await transaction.insertInto("messages").values(rows).execute();
    });
    await this.#audit.append({
      actor,
      action: "conversations.imported",
      target: member.userId,
      organizationId: member.organizationId,
      metadata: {
        conversations: conversationRows.length,
        messages: messageRows.length,
        export_digest: document.digest.value,
      },
    });
    return { conversations: result, messages: messageRows.length, digest: document.digest.value };
  }
}
