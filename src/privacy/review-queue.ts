// The abuse-review queue (API-4): flagged API records of one organisation, inside their retention window
// only. Reading one decrypts it for the reviewer and is logged where the organisation sees it.
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import "./privacy-tables.ts";
import { oversightErrors } from "./staff-errors.ts";
import type { StaffAccessLog } from "./staff-access-log.ts";
import type { ReviewVerdict } from "./staff-tables.ts";

export interface FlaggedRecord {
  id: string;
  projectId: string;
  requestId: string;
  endpoint: string;
  model: string;
  categories: string[];
  reviewStatus: "pending" | "reviewed";
  createdAt: Date;
  expiresAt: Date;
}

export interface ReviewedContent {
  record: FlaggedRecord;
  /** The request and the model's output, as kept for abuse monitoring. */
  content: { request: unknown; output: string | null };
}

export class ReviewQueue {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #accessLog: StaffAccessLog;
  readonly #now: () => Date;

  constructor(dependencies: {
    db: Db;
    keyring: Keyring;
    audit: AuditLog;
    accessLog: StaffAccessLog;
    now?: () => Date;
  }) {
    this.#db = dependencies.db;
    this.#keyring = dependencies.keyring;
    this.#audit = dependencies.audit;
    this.#accessLog = dependencies.accessLog;
    this.#now = dependencies.now ?? (() => new Date());
  }

  /**
   * The one place that scopes review queries: this organisation, flagged, not yet expired. Expired
   * records wait for the purge, but a reviewer never sees them; ZDR traffic is never stored at all.
   */
  #reviewable(organizationId: string) {
    return this.#db
      .selectFrom("api_records")
      .where("api_records.organization_id", "=", organizationId)
      .where("api_records.flagged", "=", true)
      .where("api_records.review_status", "in", ["pending", "reviewed"])
      .where("api_records.expires_at", ">", this.#now());
  }

  async #categories(organizationId: string, recordIds: string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (recordIds.length === 0) return found;
    const rows = await this.#db
      .selectFrom("api_classifications")
      .select(["record_id", "categories"])
      .where("organization_id", "=", organizationId)
      .where("record_id", "in", recordIds)
      .execute();
    for (const row of rows)
      if (row.record_id) found.set(row.record_id, JSON.parse(row.categories) as string[]);
    return found;
  }

  /** Flagged records awaiting review (or, with `all`, already reviewed too), newest first; metadata only. */
  async list(
    organizationId: string,
    options: { all?: boolean; limit?: number } = {},
  ): Promise<FlaggedRecord[]> {
    let query = this.#reviewable(organizationId)
      .select([
        "id",
        "project_id",
        "request_id",
        "endpoint",
        "model",
        "review_status",
        "created_at",
        "expires_at",
      ])
      .orderBy("created_at", "desc")
      .limit(Math.min(Math.max(options.limit ?? 100, 1), 500));
    if (!options.all) query = query.where("review_status", "=", "pending");
    const rows = await query.execute();
    const categories = await this.#categories(
      organizationId,
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({
      id: row.id,
      projectId: row.project_id,
      requestId: row.request_id,
      endpoint: row.endpoint,
      model: row.model,
      categories: categories.get(row.id) ?? [],
      reviewStatus: row.review_status === "reviewed" ? "reviewed" : "pending",
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }

  /** Decrypt one flagged record for a reviewer; the view is logged for the organisation to see. */
  async view(organizationId: string, recordId: string, reviewer: string): Promise<ReviewedContent> {
    const row = await this.#reviewable(organizationId)
      .selectAll()
      .where("id", "=", recordId)
      .executeTakeFirst();
    if (!row) throw oversightErrors.recordNotFound(recordId);
    const plaintext = await this.#keyring.open(
      organizationId,
      { table: "api_records", row: row.id },
      row.content,
    );
    await this.#accessLog.record({
      organizationId,
      actorKind: "reviewer",
      actor: reviewer,
      grantId: null,
      action: "api_record.viewed",
      target: row.id,
    });
    const categories = await this.#categories(organizationId, [row.id]);
    return {
      record: {
        id: row.id,
        projectId: row.project_id,
        requestId: row.request_id,
        endpoint: row.endpoint,
        model: row.model,
        categories: categories.get(row.id) ?? [],
        reviewStatus: row.review_status === "reviewed" ? "reviewed" : "pending",
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      },
      content: JSON.parse(plaintext.toString("utf8")) as ReviewedContent["content"],
    };
  }

  /** Record a reviewer's verdict: dismiss (not abuse) or confirm (abuse). The record leaves the pending queue. */
  async decide(
    organizationId: string,
    recordId: string,
    reviewer: string,
    verdict: ReviewVerdict,
  ): Promise<{ id: string; verdict: ReviewVerdict }> {
    const id = `rev_${randomToken(24)}`;
    await this.#db.transaction().execute(async (transaction) => {
      const updated = await transaction
        .updateTable("api_records")
        .set({ review_status: "reviewed" })
        .where("organization_id", "=", organizationId)
        .where("id", "=", recordId)
        .where("flagged", "=", true)
        .where("expires_at", ">", this.#now())
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw oversightErrors.recordNotFound(recordId);
      await transaction
        .insertInto("api_record_reviews")
        .values({ id, organization_id: organizationId, record_id: recordId, reviewer, verdict })
        .execute();
    });
    await this.#audit.append({
      actor: reviewer,
      action: "api_record.reviewed",
      target: recordId,
      organizationId,
      metadata: { verdict },
    });
    return { id, verdict };
  }

  /** Verdicts recorded on a record, oldest first. */
  async verdicts(
    organizationId: string,
    recordId: string,
  ): Promise<Array<{ reviewer: string; verdict: ReviewVerdict; at: Date }>> {
    const rows = await this.#db
      .selectFrom("api_record_reviews")
      .select(["reviewer", "verdict", "created_at"])
      .where("organization_id", "=", organizationId)
      .where("record_id", "=", recordId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({ reviewer: row.reviewer, verdict: row.verdict, at: row.created_at }));
  }
}
