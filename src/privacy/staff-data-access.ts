// What an operator can read of an organisation, each read behind a live grant and logged where the
// organisation sees it (SEC-3). There is no other path from an operator to customer data.
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { oversightErrors } from "./staff-errors.ts";
import "./privacy-tables.ts";
import type { StaffAccessLog } from "./staff-access-log.ts";
import type { StaffGrantService } from "./staff-grants.ts";

/** The conversation reads staff access needs; the workspace's conversation service provides them. */
export interface StaffConversationSource {
  listForStaff(
    organizationId: string,
    userId?: string,
  ): Promise<
    Array<{ id: string; userId: string; model: string; messages: number; createdAt: Date; updatedAt: Date }>
  >;
  readForStaff(
    organizationId: string,
    id: string,
  ): Promise<{
    userId: string;
    messages: Array<{ id: string; role: string; content: string; model: string | null; createdAt: Date }>;
  }>;
}

export class StaffDataAccess {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #grants: StaffGrantService;
  readonly #conversations: StaffConversationSource;
  readonly #log: StaffAccessLog;

  constructor(dependencies: {
    db: Db;
    keyring: Keyring;
    grants: StaffGrantService;
    conversations: StaffConversationSource;
    accessLog: StaffAccessLog;
  }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#grants = dependencies.grants;
    this.#conversations = dependencies.conversations;
    this.#log = dependencies.accessLog;
  }

  /** Conversations' metadata: ids, owners, models, sizes and dates; never titles or messages. */
  async listConversations(operatorId: string, organizationId: string) {
    const grant = await this.#grants.authorize(operatorId, organizationId);
    const conversations = await this.#conversations.listForStaff(organizationId, grant.userId ?? undefined);
    await this.#log.record({
      organizationId,
      actorKind: "operator",
      actor: operatorId,
      grantId: grant.id,
      action: "conversations.listed",
      target: grant.userId ?? organizationId,
    });
    return { grant: grant.id, conversations };
  }

  /** One conversation's messages: only with the owner's consent to it, or a legal grant for its owner. */
  async readConversation(operatorId: string, organizationId: string, conversationId: string) {
    // Any live grant first, so an operator without one learns nothing, not even whether the id exists.
    await this.#grants.authorize(operatorId, organizationId);
    const grant = await this.#grants.authorize(operatorId, organizationId, {
      content: {
        conversationId,
        isOwnedBy: async (userId) =>
          (await this.#conversations.listForStaff(organizationId, userId)).some(
            (conversation) => conversation.id === conversationId,
          ),
      },
    });
    const conversation = await this.#conversations.readForStaff(organizationId, conversationId);
    await this.#log.record({
      organizationId,
      actorKind: "operator",
      actor: operatorId,
      grantId: grant.id,
      action: "conversation.read",
      target: conversationId,
    });
    return { grant: grant.id, ...conversation };
  }

  /**
   * One kept API record's content (API-4): for support (an incident grant) or legal work (a legal
   * grant) only, inside its retention window, logged before it is shown. ZDR traffic is never kept.
   */
  async readApiRecord(operatorId: string, organizationId: string, recordId: string) {
    // Any live grant first, so an operator without one learns nothing, not even whether the id exists.
    await this.#grants.authorize(operatorId, organizationId);
    const grant = await this.#grants.authorize(operatorId, organizationId, {
      reasons: ["incident", "legal"],
    });
    const row = await this.#db
      .selectFrom("api_records")
      .select(["id", "endpoint", "model", "content", "created_at", "expires_at"])
      .where("organization_id", "=", organizationId)
      .where("id", "=", recordId)
      .where("expires_at", ">", new Date())
      .executeTakeFirst();
    if (!row) throw oversightErrors.apiRecordNotFound(recordId);
    const plaintext = await this.#keyring.open(
      organizationId,
      { table: "api_records", row: row.id },
      row.content,
    );
    await this.#log.record({
      organizationId,
      actorKind: "operator",
      actor: operatorId,
      grantId: grant.id,
      action: "api_record.read",
      target: row.id,
    });
    return {
      grant: grant.id,
      record: {
        id: row.id,
        endpoint: row.endpoint,
        model: row.model,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      },
      content: JSON.parse(plaintext.toString("utf8")) as { request: unknown; output: string | null },
    };
  }

  /** The organisation's kept API records' metadata (for an incident): no content. */
  async listApiRecords(operatorId: string, organizationId: string) {
    const grant = await this.#grants.authorize(operatorId, organizationId);
    const records = await this.#db
      .selectFrom("api_records")
      .select([
        "id",
        "project_id",
        "endpoint",
        "model",
        "status",
        "flagged",
        "review_status",
        "created_at",
        "expires_at",
      ])
      .where("organization_id", "=", organizationId)
      .orderBy("created_at", "desc")
      .limit(500)
      .execute();
    await this.#log.record({
      organizationId,
      actorKind: "operator",
      actor: operatorId,
      grantId: grant.id,
      action: "api_records.listed",
      target: organizationId,
    });
    return { grant: grant.id, records };
  }
}
