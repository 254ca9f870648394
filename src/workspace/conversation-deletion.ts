// Deleting conversations: a conversation's data key is destroyed in the deleting transaction, so every
// stored title and message is unreadable at once, and the purge removes the rows later. What other
// domains keep for a conversation (its chat attachments) goes with it through the hooks told here.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { Member } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

/** Told when conversations are gone (deleted, deleted with their user, or expired by retention). */
export type ConversationsGoneHook = (
  organizationId: string,
  conversationIds: readonly string[],
) => Promise<void>;

export class ConversationDeletion {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  /** Run in order after the keys are destroyed; the platform adds the documents domain's. */
  readonly hooks: ConversationsGoneHook[] = [];

  constructor(dependencies: { db: Db; keyring: Keyring; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
  }

  /** Tell every hook that these conversations are gone. */
  async gone(organizationId: string, conversationIds: readonly string[]): Promise<void> {
    if (conversationIds.length === 0) return;
    for (const hook of this.hooks) await hook(organizationId, conversationIds);
  }

  /**
   * Delete a conversation: its data key is destroyed in this transaction, so every stored title and
   * message is unreadable at once; the purge removes the rows later.
   */
  async delete(member: Member, id: string): Promise<void> {
    const deleted = await this.#db.transaction().execute(async (transaction) => {
      const result = await transaction
        .updateTable("conversations")
        .set({ wrapped_key: null, title: null, system_prompt: null, deleted_at: sql<Date>`now()` })
        .where("organization_id", "=", member.organizationId)
        .where("user_id", "=", member.userId)
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      // Its shares' keys go in the same transaction: no share outlives the conversation for a moment.
      await transaction
        .updateTable("conversation_shares")
        .set({ wrapped_key: null, snapshot: null })
        .where("conversation_id", "=", id)
        .where("organization_id", "=", member.organizationId)
        .execute();
      return Number(result.numUpdatedRows);
    });
    if (deleted === 0) throw workspaceErrors.conversationNotFound(id);
    this.#keyring.destroyed(member.organizationId, [{ table: "conversations", row: id }]);
    await this.gone(member.organizationId, [id]);
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
    const deleted = await this.#db.transaction().execute(async (transaction) => {
      const result = await transaction
        .updateTable("conversations")
        .set({ wrapped_key: null, title: null, system_prompt: null, deleted_at: sql<Date>`now()` })
        .where("organization_id", "=", organizationId)
        .where("user_id", "=", userId)
        .where("deleted_at", "is", null)
        .returning("id")
        .execute();
      await transaction
        .updateTable("conversation_shares")
        .set({ wrapped_key: null, snapshot: null })
        .where("organization_id", "=", organizationId)
        .where("user_id", "=", userId)
        .execute();
      // Their custom instructions: the row holds the only copy of its key.
      await transaction
        .deleteFrom("workspace_preferences")
        .where("organization_id", "=", organizationId)
        .where("user_id", "=", userId)
        .execute();
      return result.map((row) => row.id);
    });
    this.#keyring.destroyed(
      organizationId,
      deleted.map((id) => ({ table: "conversations", row: id })),
    );
    await this.gone(organizationId, deleted);
    const count = deleted.length;
    await this.#audit.append({
      actor,
      action: "conversations.deleted_with_user",
      target: userId,
      organizationId,
      metadata: { conversations: count },
    });
    return count;
  }
}
