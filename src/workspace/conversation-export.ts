// The user export (OWN-2): every conversation of the user with every message, decrypted for them, in
// the open format of conversation-export-schema.ts (every branch), with its counts and digest; every export is audited.
import type { AuditLog } from "../audit/audit-log.ts";
import {
  conversationExportFormat,
  conversationExportVersion,
  exportDigest,
  type ConversationExport,
  type ExportedConversation,
} from "./conversation-export-format.ts";
import type { ConversationStore } from "./conversation-store.ts";
import type { ConversationWithMessages, Member } from "./conversation-types.ts";

/** One conversation as the export writes it. */
export function exportedConversation({
  summary,
  messages,
  activeMessageId,
  systemPrompt,
}: ConversationWithMessages): ExportedConversation {
  return {
    id: summary.id,
    title: summary.title,
    model: summary.model,
    created_at: summary.createdAt.toISOString(),
    updated_at: summary.updatedAt.toISOString(),
    kept_until: summary.keptUntil?.toISOString() ?? null,
    system_prompt: systemPrompt,
    pinned: summary.pinnedAt !== null,
    active_message_id: activeMessageId,
    // In the order written, so each message comes after the one it follows.
    messages: messages.map((message) => ({
      parent_id: message.parentId,
      stopped: message.stopped,
      id: message.id,
      role: message.role,
      content: message.content,
      model: message.model,
      usage: message.usage,
      created_at: message.createdAt.toISOString(),
      // The workspace stores no attachments yet; the format has their place.
      attachments: [],
    })),
  };
}

export class ConversationExporter {
  readonly #store: ConversationStore;
  readonly #audit: AuditLog;

  constructor(dependencies: { store: ConversationStore; audit: AuditLog }) {
    this.#store = dependencies.store;
    this.#audit = dependencies.audit;
  }

  /** Every conversation of the member, oldest first, each with all its messages in order. */
  async all(member: Member): Promise<ConversationWithMessages[]> {
    const rows = await this.#store.owned(member).select("id").orderBy("created_at").orderBy("id").execute();
    const retentionDays = await this.#store.retentionDays(member);
    const conversations = [];
    for (const row of rows) conversations.push(await this.#store.read(member, row.id, retentionDays));
    return conversations;
  }

  /** The member's export document; the export is recorded in the audit log (counts only). */
  async export(member: Member): Promise<ConversationExport> {
    const conversations = (await this.all(member)).map(exportedConversation);
    const messages = conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0);
    const document = {
      format: conversationExportFormat,
      version: conversationExportVersion,
      exported_at: new Date().toISOString(),
      source: { organization: member.organizationId, user: member.userId },
      counts: { conversations: conversations.length, messages },
      conversations,
    } as const;
    const exported: ConversationExport = {
      ...document,
      digest: { algorithm: "sha256", canonicalization: "RFC8785", value: exportDigest(document) },
    };
    await this.#audit.append({
      actor: member.userId,
      action: "conversations.exported",
      target: member.userId,
      organizationId: member.organizationId,
      metadata: { conversations: conversations.length, messages },
    });
    return exported;
  }
}
