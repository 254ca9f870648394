// Read-only shares of a conversation inside its organisation (CTL-2's "sharing" switch): a snapshot
// of the branch the owner sees, sealed under the share's own key, which is itself sealed under the
// conversation's key. Revoking destroys the share's key; deleting the conversation (or its expiry by
// retention) destroys the conversation's key and so the share's; the purge removes the rows with the
// conversation's. Only signed-in members of the same organisation open a share; every share, revoke
// and open is an audit event that holds ids only.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { ConversationStore } from "./conversation-store.ts";
import { branchOf, type Member, type MessageRole } from "./conversation-types.ts";
import { workspaceErrors } from "./workspace-errors.ts";

const day = 24 * 3600 * 1000;
export const maxShareDays = 365;

export interface ShareSummary {
  id: string;
  conversationId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revoked: boolean;
}

export interface SharedMessage {
  role: MessageRole;
  content: string;
  model: string | null;
  created_at: string;
}

/** What a member who opens a share reads. */
export interface SharedConversation {
  id: string;
  title: string | null;
  model: string;
  sharedAt: Date;
  expiresAt: Date | null;
  /** The user who shared it (an id; the web app shows the viewer no more). */
  sharedBy: string;
  messages: SharedMessage[];
}

interface Snapshot {
  title: string | null;
  model: string;
  messages: SharedMessage[];
}

export class ConversationShares {
  readonly #store: ConversationStore;
  readonly #audit: AuditLog;

  constructor(dependencies: { store: ConversationStore; audit: AuditLog }) {
    this.#store = dependencies.store;
    this.#audit = dependencies.audit;
  }

  /** Share the branch the owner sees now; it expires after `expiresInDays`, or never with null. */
  async create(
    member: Member,
    conversationId: string,
    options: { expiresInDays: number | null },
  ): Promise<ShareSummary> {
    const days = options.expiresInDays;
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > maxShareDays))
      throw workspaceErrors.invalid(
        `A share expires after 1 to ${maxShareDays} whole days, or never (null).`,
        "expires_in_days",
      );
    const conversation = await this.#store.read(member, conversationId);
    const row = await this.#store
      .owned(member)
      .select(["id", "wrapped_key"])
      .where("id", "=", conversationId)
      .executeTakeFirstOrThrow();
    const conversationKey = await this.#store.key(member, row);
    const snapshot: Snapshot = {
      title: conversation.summary.title,
      model: conversation.summary.model,
      messages: branchOf(conversation.messages, conversation.activeMessageId).map((message) => ({
        role: message.role,
        content: message.content,
        model: message.model,
        created_at: message.createdAt.toISOString(),
      })),
    };
    const id = `shr_${randomToken(24)}`;
    const shareKey = randomBytes(32);
    const expiresAt = days === null ? null : new Date(Date.now() + days * day);
    await this.#store.db
      .insertInto("conversation_shares")
      .values({
        id,
        organization_id: member.organizationId,
        conversation_id: conversationId,
        user_id: member.userId,
        wrapped_key: this.#store.seal(conversationKey, member, "conversation_shares.key", id, shareKey),
        snapshot: this.#store.seal(
          shareKey,
          member,
          "conversation_shares.snapshot",
          id,
          JSON.stringify(snapshot),
        ),
        expires_at: expiresAt,
      })
      .execute();
    await this.#audit.append({
      actor: member.userId,
      action: "conversation.shared",
      target: id,
      organizationId: member.organizationId,
      metadata: { conversation: conversationId, expires_in_days: days },
    });
    return { id, conversationId, createdAt: new Date(), expiresAt, revoked: false };
  }

  /** The shares of one of the member's conversations, newest first. */
  async list(member: Member, conversationId: string): Promise<ShareSummary[]> {
    const owned = await this.#store
      .owned(member)
      .select("id")
      .where("id", "=", conversationId)
      .executeTakeFirst();
    if (!owned) throw workspaceErrors.conversationNotFound(conversationId);
    const rows = await this.#store.db
      .selectFrom("conversation_shares")
      .select(["id", "conversation_id", "created_at", "expires_at", "wrapped_key"])
      .where("organization_id", "=", member.organizationId)
      .where("conversation_id", "=", conversationId)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((share) => ({
      id: share.id,
      conversationId: share.conversation_id,
      createdAt: share.created_at,
      expiresAt: share.expires_at,
      revoked: share.wrapped_key === null,
    }));
  }

  /** Revoke one of the member's own shares: its key and snapshot are destroyed at once. */
  async revoke(member: Member, shareId: string): Promise<void> {
    const result = await this.#store.db
      .updateTable("conversation_shares")
      .set({ wrapped_key: null, snapshot: null, revoked_at: sql<Date>`now()` })
      .where("id", "=", shareId)
      .where("organization_id", "=", member.organizationId)
      .where("user_id", "=", member.userId)
      .where("wrapped_key", "is not", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw workspaceErrors.shareNotFound(shareId);
    this.#store.destroyed(member.organizationId, [{ table: "conversation_shares", row: shareId }]);
    await this.#audit.append({
      actor: member.userId,
      action: "conversation.share_revoked",
      target: shareId,
      organizationId: member.organizationId,
    });
  }

  /**
   * Open a share for a signed-in member of the same organisation. Anything else (another
   * organisation, revoked, expired, its conversation deleted, sharing switched off for the owner)
   * answers as a share that does not exist.
   */
  async open(
    viewer: Member,
    shareId: string,
    sharingAllowed: (owner: Member) => Promise<boolean>,
  ): Promise<SharedConversation> {
    const share = await this.#store.db
      .selectFrom("conversation_shares")
      .innerJoin("conversations", "conversations.id", "conversation_shares.conversation_id")
      .select([
        "conversation_shares.id",
        "conversation_shares.conversation_id",
        "conversation_shares.user_id",
        "conversation_shares.wrapped_key as share_key",
        "conversation_shares.snapshot",
        "conversation_shares.created_at",
        "conversation_shares.expires_at",
        "conversations.workspace_id",
        "conversations.wrapped_key",
      ])
      .where("conversation_shares.id", "=", shareId)
      .where("conversation_shares.organization_id", "=", viewer.organizationId)
      .where("conversations.organization_id", "=", viewer.organizationId)
      .where("conversations.deleted_at", "is", null)
      .executeTakeFirst();
    const now = new Date();
    if (
      !share?.share_key ||
      !share.snapshot ||
      !share.wrapped_key ||
      (share.expires_at !== null && share.expires_at <= now)
    )
      throw workspaceErrors.shareNotFound(shareId);
    const owner: Member = {
      organizationId: viewer.organizationId,
      workspaceId: share.workspace_id,
      userId: share.user_id,
    };
    if (!(await sharingAllowed(owner))) throw workspaceErrors.shareNotFound(shareId);
    const conversationKey = await this.#store.key(owner, {
      id: share.conversation_id,
      wrapped_key: share.wrapped_key,
    });
    const shareKey = this.#store.open(
      conversationKey,
      owner,
      "conversation_shares.key",
      share.id,
      share.share_key,
    );
    const snapshot = JSON.parse(
      this.#store
        .open(shareKey, owner, "conversation_shares.snapshot", share.id, share.snapshot)
        .toString("utf8"),
    ) as Snapshot;
    await this.#audit.append({
      actor: viewer.userId,
      action: "conversation.share_opened",
      target: share.id,
      organizationId: viewer.organizationId,
      metadata: { conversation: share.conversation_id },
    });
    return {
      id: share.id,
      title: snapshot.title,
      model: snapshot.model,
      sharedAt: share.created_at,
      expiresAt: share.expires_at,
      sharedBy: share.user_id,
      messages: snapshot.messages,
    };
  }

  /**
   * Destroy the keys of shares that expired or whose conversation was deleted (by its owner or by
   * retention); run with the workspace purge. Their rows leave with their conversation's.
   */
  async sweep(now: Date = new Date()): Promise<number> {
    const result = await sql<{ id: string }>`
      update conversation_shares set wrapped_key = null, snapshot = null
      where wrapped_key is not null and (
        (expires_at is not null and expires_at <= ${now})
        or conversation_id in (select id from conversations where deleted_at is not null))
      returning id`.execute(this.#store.db);
    return result.rows.length;
  }
}
