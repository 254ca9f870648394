// Staff-access grants (SEC-3): the only way an operator reaches an organisation's data. Each has a reason
// and a reference: `incident` (active at once, hours at most, metadata only unless the user consents),
// `user-consent` (active once the user approves, for the conversations they chose), `legal` (a case
// reference, active once two other operators approve). Every step that opens access is an audit entry
// written in the same transaction as the step, so neither exists without the other.
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import { oversightErrors } from "./staff-errors.ts";
import type { Selectable } from "kysely";
import type { GrantReason, GrantStatus, StaffGrantsTable } from "./staff-tables.ts";

const hourMs = 3_600_000;

/** Per reason: the longest a grant may last, and the default when the operator names none. */
export const grantLimits: Readonly<Record<GrantReason, { maxHours: number; defaultHours: number }>> = {
  incident: { maxHours: 24, defaultHours: 4 },
  "user-consent": { maxHours: 72, defaultHours: 24 },
  legal: { maxHours: 30 * 24, defaultHours: 7 * 24 },
};

/** Approvals a legal grant needs, each from a different operator who did not request it. */
export const legalApprovals = 2;

export interface StaffGrant {
  id: string;
  organizationId: string;
  reason: GrantReason;
  reference: string;
  justification: string;
  requestedBy: string;
  userId: string | null;
  status: GrantStatus;
  /** The conversations the user consented to; empty until they do. */
  conversations: string[];
  approvals: string[];
  createdAt: Date;
  activatedAt: Date | null;
  expiresAt: Date | null;
}

export interface GrantRequest {
  operatorId: string;
  organizationId: string;
  reason: GrantReason;
  reference: string;
  justification: string;
  userId?: string | null;
  hours?: number;
}

/** What the grant service needs to know about the conversations a user chose. */
export interface ConversationOwnership {
  listForStaff(organizationId: string, userId?: string): Promise<Array<{ id: string; userId: string }>>;
}

function isLive(grant: StaffGrant, now: Date): boolean {
  return grant.status === "active" && grant.expiresAt !== null && grant.expiresAt > now;
}

export class StaffGrantService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #conversations: ConversationOwnership;
  readonly #checkOrganization: (organizationId: string) => Promise<unknown>;
  readonly #now: () => Date;

  constructor(dependencies: {
    db: Db;
    audit: AuditLog;
    conversations: ConversationOwnership;
    /** Throws a 404 for an organisation that does not exist. */
    checkOrganization: (organizationId: string) => Promise<unknown>;
    now?: () => Date;
  }) {
    this.#checkOrganization = dependencies.checkOrganization;
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#conversations = dependencies.conversations;
    this.#now = dependencies.now ?? (() => new Date());
  }

  async #rows(filter: { organizationId?: string; id?: string; requestedBy?: string; userId?: string }) {
    let query = this.#db.selectFrom("staff_grants").selectAll().orderBy("created_at", "desc").limit(500);
    if (filter.organizationId !== undefined)
      query = query.where("organization_id", "=", filter.organizationId);
    if (filter.id !== undefined) query = query.where("id", "=", filter.id);
    if (filter.requestedBy !== undefined) query = query.where("requested_by", "=", filter.requestedBy);
    if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
    const rows = await query.execute();
    const approvals =
      rows.length === 0
        ? []
        : await this.#db
            .selectFrom("staff_grant_approvals")
            .select(["grant_id", "operator_id"])
            .where(
              "grant_id",
              "in",
              rows.map((row) => row.id),
            )
            .orderBy("created_at")
            .execute();
    return rows.map((row) =>
      this.#grant(
        row,
        approvals.filter((approval) => approval.grant_id === row.id),
      ),
    );
  }

  #grant(row: Selectable<StaffGrantsTable>, approvals: Array<{ operator_id: string }>): StaffGrant {
    return {
      id: row.id,
      organizationId: row.organization_id,
      reason: row.reason,
      reference: row.reference,
      justification: row.justification,
      requestedBy: row.requested_by,
      userId: row.user_id,
      status: row.status,
      conversations: row.consented_conversations ? (JSON.parse(row.consented_conversations) as string[]) : [],
      approvals: approvals.map((approval) => approval.operator_id),
      createdAt: row.created_at,
      activatedAt: row.activated_at,
      expiresAt: row.expires_at,
    };
  }

  async get(id: string): Promise<StaffGrant> {
    const [grant] = await this.#rows({ id });
    if (!grant) throw oversightErrors.grantNotFound(id);
    return grant;
  }

  /** An organisation's grants, newest first (its access-transparency view). */
  listForOrganization(organizationId: string): Promise<StaffGrant[]> {
    return this.#rows({ organizationId });
  }

  /** The grants an operator asked for. */
  listForOperator(operatorId: string): Promise<StaffGrant[]> {
    return this.#rows({ requestedBy: operatorId });
  }

  /** The grants that ask this user for consent and are still open to it. */
  async awaitingUser(organizationId: string, userId: string): Promise<StaffGrant[]> {
    const now = this.#now();
    return (await this.#rows({ organizationId, userId })).filter(
      (grant) =>
        (grant.reason === "user-consent" && grant.status === "pending") ||
        (grant.reason === "incident" && isLive(grant, now) && grant.conversations.length === 0),
    );
  }

  async request(request: GrantRequest): Promise<StaffGrant> {
    const reference = request.reference.trim();
    const justification = request.justification.trim();
    if (reference.length === 0 || reference.length > 200)
      throw oversightErrors.invalid(
        "A reference (incident id, case reference) is 1 to 200 characters.",
        "reference",
      );
    if (justification.length === 0 || justification.length > 1000)
      throw oversightErrors.invalid("A justification is 1 to 1000 characters.", "justification");
    const limits = grantLimits[request.reason];
    const hours = request.hours ?? limits.defaultHours;
    if (!(hours > 0 && hours <= limits.maxHours))
      throw oversightErrors.invalid(
        `A ${request.reason} grant lasts at most ${limits.maxHours} hours.`,
        "hours",
      );
    const userId = request.userId ?? null;
    if (request.reason === "user-consent" && userId === null)
      throw oversightErrors.invalid("A user-consent grant names the user whose consent is asked.", "user");
    await this.#checkOrganization(request.organizationId);
    const now = this.#now();
    const activeNow = request.reason === "incident";
    const id = `grant_${randomToken(24)}`;
    await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("staff_grants")
        .values({
          id,
          organization_id: request.organizationId,
          reason: request.reason,
          reference,
          justification,
          requested_by: request.operatorId,
          user_id: userId,
          status: activeNow ? "active" : "pending",
          consented_conversations: null,
          duration_ms: Math.round(hours * hourMs),
          activated_at: activeNow ? now : null,
          expires_at: activeNow ? new Date(now.getTime() + hours * hourMs) : null,
        })
        .execute();
      await this.#audit.appendWithin(transaction, {
        actor: request.operatorId,
        action: activeNow ? "staff_grant.activated" : "staff_grant.requested",
        target: id,
        organizationId: request.organizationId,
        metadata: { reason: request.reason, reference, user: userId, hours },
      });
    });
    return this.get(id);
  }

  async #activate(grant: StaffGrant, actor: string, conversations: string[] | null): Promise<void> {
    const now = this.#now();
    const duration = await this.#duration(grant.id);
    await this.#db.transaction().execute(async (transaction) => {
      const updated = await transaction
        .updateTable("staff_grants")
        .set({
          status: "active",
          activated_at: now,
          expires_at: new Date(now.getTime() + duration),
          ...(conversations ? { consented_conversations: JSON.stringify(conversations) } : {}),
        })
        .where("id", "=", grant.id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      // Activated once: a second approval racing this one records nothing more.
      if (Number(updated.numUpdatedRows) === 0) return;
      await this.#audit.appendWithin(transaction, {
        actor,
        action: "staff_grant.activated",
        target: grant.id,
        organizationId: grant.organizationId,
        metadata: { reason: grant.reason, conversations: conversations?.length ?? 0 },
      });
    });
  }

  async #duration(id: string): Promise<number> {
    const row = await this.#db
      .selectFrom("staff_grants")
      .select("duration_ms")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    return row.duration_ms;
  }

  /** A legal grant's approval by another operator; the second distinct approval activates it. */
  async approve(id: string, operatorId: string): Promise<StaffGrant> {
    const grant = await this.get(id);
    if (grant.reason !== "legal")
      throw oversightErrors.grantConflict("Only legal grants are approved by operators.");
    if (grant.status !== "pending")
      throw oversightErrors.grantConflict(`The grant is ${grant.status}, not pending.`);
    if (grant.requestedBy === operatorId)
      throw oversightErrors.grantConflict("An operator cannot approve a grant they requested.");
    await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("staff_grant_approvals")
        .values({ grant_id: id, operator_id: operatorId })
        .onConflict((conflict) => conflict.columns(["grant_id", "operator_id"]).doNothing())
        .execute();
      await this.#audit.appendWithin(transaction, {
        actor: operatorId,
        action: "staff_grant.approved",
        target: id,
        organizationId: grant.organizationId,
        metadata: { reason: grant.reason },
      });
    });
    const approved = await this.get(id);
    if (approved.approvals.length >= legalApprovals) await this.#activate(approved, operatorId, null);
    return this.get(id);
  }

  /**
   * The user's answer to a request naming them: approve for the conversations they chose (their own,
   * checked here), or deny. A user-consent grant starts its time then; an incident grant gains content.
   */
  async answer(
    organizationId: string,
    userId: string,
    id: string,
    decision: { approve: true; conversations: string[] } | { approve: false },
  ): Promise<StaffGrant> {
    const [grant] = await this.#rows({ organizationId, id });
    if (
      !grant ||
      grant.userId !== userId ||
      !(await this.awaitingUser(organizationId, userId)).some((open) => open.id === id)
    )
      throw oversightErrors.grantNotFound(id);
    if (!decision.approve) {
      await this.#db.transaction().execute(async (transaction) => {
        if (grant.reason === "user-consent")
          await transaction
            .updateTable("staff_grants")
            .set({ status: "denied" })
            .where("id", "=", id)
            .execute();
        await this.#audit.appendWithin(transaction, {
          actor: userId,
          action: "staff_grant.denied",
          target: id,
          organizationId,
          metadata: { reason: grant.reason },
        });
      });
      return this.get(id);
    }
    const chosen = [...new Set(decision.conversations)];
    if (chosen.length === 0 || chosen.length > 100)
      throw oversightErrors.invalid("Choose 1 to 100 of your conversations.", "conversations");
    const own = new Set(
      (await this.#conversations.listForStaff(organizationId, userId)).map((row) => row.id),
    );
    const foreign = chosen.find((conversation) => !own.has(conversation));
    if (foreign !== undefined)
      throw oversightErrors.invalid(`'${foreign}' is not one of your conversations.`, "conversations");
    const consented = {
      actor: userId,
      action: "staff_grant.consented",
      target: id,
      organizationId,
      metadata: { reason: grant.reason, conversations: chosen.length },
    };
    if (grant.reason === "user-consent") {
      await this.#activate(grant, userId, chosen);
      await this.#audit.append(consented);
    } else {
      // An incident grant gains content with the consent, and the consent's record with it.
      await this.#db.transaction().execute(async (transaction) => {
        await transaction
          .updateTable("staff_grants")
          .set({ consented_conversations: JSON.stringify(chosen) })
          .where("id", "=", id)
          .execute();
        await this.#audit.appendWithin(transaction, consented);
      });
    }
    return this.get(id);
  }

  /**
   * The live grant that lets this operator do this in this organisation, or a 403. Metadata needs any
   * live grant; a conversation's content needs the user's consent to it, or a legal grant naming its
   * owner (asked of `isOwnedBy` only when such a grant exists).
   */
  async authorize(
    operatorId: string,
    organizationId: string,
    need: {
      content?: { conversationId: string; isOwnedBy(userId: string): Promise<boolean> };
      /** Only grants for these reasons will do (API-4: API content is for support and legal work). */
      reasons?: readonly GrantReason[];
    } = {},
  ): Promise<StaffGrant> {
    const now = this.#now();
    const live = (await this.#rows({ organizationId, requestedBy: operatorId })).filter(
      (grant) => isLive(grant, now) && (need.reasons === undefined || need.reasons.includes(grant.reason)),
    );
    const content = need.content;
    if (!content) {
      if (!live[0]) throw oversightErrors.noGrant();
      return live[0];
    }
    const consented = live.find((grant) => grant.conversations.includes(content.conversationId));
    if (consented) return consented;
    for (const grant of live) {
      if (grant.reason === "legal" && grant.userId !== null && (await content.isOwnedBy(grant.userId)))
        return grant;
    }
    throw oversightErrors.noGrant();
  }
}
