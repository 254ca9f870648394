// Staff access to conversations (SEC-3): what an operator whose grant the privacy domain has checked
// (and logged) may see. Metadata for a list; one conversation decrypted, read through its owner's scope.
import type { ConversationStore } from "./conversation-store.ts";
import type { ConversationSummary, Member, StoredMessage } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

export interface StaffConversationMetadata {
  id: string;
  userId: string;
  model: string;
  messages: number;
  createdAt: Date;
  updatedAt: Date;
}

export class ConversationStaffReads {
  readonly #store: ConversationStore;

  constructor(store: ConversationStore) {
    this.#store = store;
  }

  /** Metadata of an organisation's conversations (no titles, no content). */
  async list(organizationId: string, userId?: string): Promise<StaffConversationMetadata[]> {
    let query = this.#store.db
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
   * One conversation, decrypted, for an operator whose grant covers it (the user's consent, or a legal
   * grant for its owner). The read itself still goes through the owner's scope.
   */
  async read(
    organizationId: string,
    id: string,
  ): Promise<{ userId: string; summary: ConversationSummary; messages: StoredMessage[] }> {
    const row = await this.#store.db
      .selectFrom("conversations")
      .select(["workspace_id", "user_id"])
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!row) throw workspaceErrors.conversationNotFound(id);
    const owner: Member = { organizationId, workspaceId: row.workspace_id, userId: row.user_id };
    return { userId: row.user_id, ...(await this.#store.read(owner, id)) };
  }
}
