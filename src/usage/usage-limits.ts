// The limits and budgets admins set per project or API key, and the token budgets per user and group:
// stored, audited, and read through a short cache so that admitting a request usually costs no query.
import { ExpiringCache } from "../core/expiring-cache.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { errors } from "../core/errors.ts";
import type { Db } from "../db/database.ts";
import type { LimitSubjectKind, UsageLimitsTable } from "./usage-tables.ts";

/** The four numbers a subject may be held to; null means "no limit". */
export interface Limits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  tokensPerMonth: number | null;
}

export interface SubjectLimits extends Limits {
  kind: LimitSubjectKind;
  id: string;
}

/** The two admin switches: rate limits (per minute) and token budgets (per day and month). */
export type LimitGroup = "rates" | "budgets";

const groupFields = {
  rates: ["requestsPerMinute", "tokensPerMinute"],
  budgets: ["tokensPerDay", "tokensPerMonth"],
} as const;

const columnOf = {
  requestsPerMinute: "requests_per_minute",
  tokensPerMinute: "tokens_per_minute",
  tokensPerDay: "tokens_per_day",
  tokensPerMonth: "tokens_per_month",
} as const satisfies Record<keyof Limits, keyof UsageLimitsTable>;

type LimitColumns = Pick<UsageLimitsTable, (typeof columnOf)[keyof Limits]>;

/**
 * How long a node trusts limits it has read. A change made on this node applies at once; other nodes
 * see it within this time.
 */
const cacheMs = 5_000;

const none: Limits = {
  requestsPerMinute: null,
  tokensPerMinute: null,
  tokensPerDay: null,
  tokensPerMonth: null,
};

function fromRow(row: Pick<UsageLimitsTable, "subject_kind" | "subject_id"> & LimitColumns): SubjectLimits {
  return {
    kind: row.subject_kind,
    id: row.subject_id,
    requestsPerMinute: row.requests_per_minute,
    tokensPerMinute: row.tokens_per_minute,
    tokensPerDay: row.tokens_per_day,
    tokensPerMonth: row.tokens_per_month,
  };
}

export function hasAnyLimit(limits: Limits): boolean {
  return (
    limits.requestsPerMinute !== null ||
    limits.tokensPerMinute !== null ||
    limits.tokensPerDay !== null ||
    limits.tokensPerMonth !== null
  );
}

export class UsageLimits {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #cache = new ExpiringCache<SubjectLimits[]>(cacheMs);
  /** Per organisation: every user's and group's budgets (few rows; most organisations have none). */
  readonly #people = new ExpiringCache<Map<string, SubjectLimits>>(cacheMs);

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** Every tenant query of this table starts here, scoped to one organisation. */
  #scoped(organizationId: string) {
    return this.#db.selectFrom("usage_limits").where("organization_id", "=", organizationId);
  }

  /** The limits that apply to a request by this key in this project (only subjects that have some). */
  async forCaller(caller: {
    organizationId: string;
    projectId: string;
    keyId: string;
  }): Promise<SubjectLimits[]> {
    const cacheKey = `${caller.organizationId}/${caller.projectId}/${caller.keyId}`;
    return this.#cache.get(cacheKey, async () => {
      const rows = await this.#scoped(caller.organizationId)
        .selectAll()
        .where((where) =>
          where.or([
            where.and([where("subject_kind", "=", "project"), where("subject_id", "=", caller.projectId)]),
            where.and([where("subject_kind", "=", "key"), where("subject_id", "=", caller.keyId)]),
          ]),
        )
        .execute();
      return rows.map(fromRow).filter(hasAnyLimit);
    });
  }

  /** Every user and group budget of the organisation, keyed "<kind>:<id>" (cached). */
  async #peopleLimits(organizationId: string): Promise<Map<string, SubjectLimits>> {
    return this.#people.get(organizationId, async () => {
      const rows = await this.#scoped(organizationId)
        .selectAll()
        .where("subject_kind", "in", ["user", "group"])
        .execute();
      return new Map(
        rows
          .map(fromRow)
          .filter(hasAnyLimit)
          .map((subject) => [`${subject.kind}:${subject.id}`, subject]),
      );
    });
  }

  /** Whether any user or group of the organisation has a budget (if not, nobody needs looking up). */
  async hasPeopleBudgets(organizationId: string): Promise<boolean> {
    return (await this.#peopleLimits(organizationId)).size > 0;
  }

  /** The budgets that apply to a user: their own and each of their groups'. */
  async forPerson(
    organizationId: string,
    userId: string,
    groupIds: readonly string[],
  ): Promise<SubjectLimits[]> {
    const all = await this.#peopleLimits(organizationId);
    return [`user:${userId}`, ...groupIds.map((id) => `group:${id}`)].flatMap((subject) => {
      const limits = all.get(subject);
      return limits ? [limits] : [];
    });
  }

  /** One subject's limits, "none" for each number never set. */
  async get(organizationId: string, kind: LimitSubjectKind, id: string): Promise<Limits> {
    const row = await this.#scoped(organizationId)
      .selectAll()
      .where("subject_kind", "=", kind)
      .where("subject_id", "=", id)
      .executeTakeFirst();
    return row ? fromRow(row) : { ...none };
  }

  /** `get` through the same short cache as `forCaller`, for work that runs often (budget alerts). */
  async cachedGet(organizationId: string, kind: LimitSubjectKind, id: string): Promise<Limits> {
    const cacheKey = `${organizationId}#${kind}:${id}`;
    const [first] = await this.#cache.get(cacheKey, async () => [
      { kind, id, ...(await this.get(organizationId, kind, id)) },
    ]);
    return first ?? { ...none };
  }

  async list(organizationId: string): Promise<SubjectLimits[]> {
    const rows = await this.#scoped(organizationId)
      .selectAll()
      .orderBy("subject_kind")
      .orderBy("subject_id")
      .execute();
    return rows.map(fromRow);
  }

  /**
   * Set some of a subject's numbers (undefined leaves one as it is, null clears it). The caller has
   * checked that the subject belongs to the organisation.
   */
  async set(input: {
    organizationId: string;
    kind: LimitSubjectKind;
    id: string;
    group: LimitGroup;
    values: Partial<Limits>;
    actor: string;
  }): Promise<Limits> {
    for (const [name, value] of Object.entries(input.values)) {
      if (value !== null && value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        throw errors.invalidRequest(`'${name}' must be a whole number of 0 or more.`, name);
      }
    }
    const columns: Partial<LimitColumns> = {};
    for (const field of groupFields[input.group]) {
      const value = input.values[field];
      if (value !== undefined) columns[columnOf[field]] = value;
    }
    if (Object.keys(columns).length === 0) {
      throw errors.invalidRequest("Give at least one limit to set.", null, "nothing_to_set");
    }
    await this.#db
      .insertInto("usage_limits")
      .values({
        organization_id: input.organizationId,
        subject_kind: input.kind,
        subject_id: input.id,
        ...columns,
      })
      .onConflict((conflict) =>
        conflict
          .columns(["subject_kind", "subject_id"])
          .doUpdateSet({ ...columns, updated_at: new Date() })
          // The primary key is global; an id of another organisation must never be rewritten here.
          .where("usage_limits.organization_id", "=", input.organizationId),
      )
      .execute();
    this.#cache.clear();
    this.#people.clear();
    const limits = await this.get(input.organizationId, input.kind, input.id);
    await this.#audit.append({
      actor: input.actor,
      action: input.group === "rates" ? "usage.rate_limits_set" : "usage.budgets_set",
      target: input.id,
      organizationId: input.organizationId,
      metadata: { subject: input.kind, ...auditFacts(limits, input.group) },
    });
    return limits;
  }

  /** Remove a subject's rate limits or budgets. */
  async clear(input: {
    organizationId: string;
    kind: LimitSubjectKind;
    id: string;
    group: LimitGroup;
    actor: string;
  }): Promise<void> {
    const cleared: Partial<LimitColumns> = {};
    for (const field of groupFields[input.group]) cleared[columnOf[field]] = null;
    await this.#db
      .updateTable("usage_limits")
      .set({ ...cleared, updated_at: new Date() })
      .where("organization_id", "=", input.organizationId)
      .where("subject_kind", "=", input.kind)
      .where("subject_id", "=", input.id)
      .execute();
    // A row with no numbers left says nothing: drop it.
    await this.#db
      .deleteFrom("usage_limits")
      .where("organization_id", "=", input.organizationId)
      .where("subject_kind", "=", input.kind)
      .where("subject_id", "=", input.id)
      .where("requests_per_minute", "is", null)
      .where("tokens_per_minute", "is", null)
      .where("tokens_per_day", "is", null)
      .where("tokens_per_month", "is", null)
      .execute();
    this.#cache.clear();
    this.#people.clear();
    await this.#audit.append({
      actor: input.actor,
      action: input.group === "rates" ? "usage.rate_limits_cleared" : "usage.budgets_cleared",
      target: input.id,
      organizationId: input.organizationId,
      metadata: { subject: input.kind },
    });
  }
}

function auditFacts(limits: Limits, group: LimitGroup): Record<string, number | null> {
  return group === "rates"
    ? { requests_per_minute: limits.requestsPerMinute, tokens_per_minute: limits.tokensPerMinute }
    : { tokens_per_day: limits.tokensPerDay, tokens_per_month: limits.tokensPerMonth };
}
