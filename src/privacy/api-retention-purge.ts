// The API retention purge: deletes expired abuse-monitoring records in batches, and classifier
// metadata past the longest window, erases them physically (API-1: the tables rewritten, the WAL that
// held them retired; db/physical-erasure.ts), then records how many per organisation in the audit log.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { eraseDeleted } from "../db/physical-erasure.ts";
import { maxRetentionDays } from "./privacy-settings-service.ts";
import "./privacy-tables.ts";

const dayMs = 86_400_000;
/** Small batches keep each delete's locks and WAL short on a busy database. */
const defaultBatch = 500;

export interface PurgeCounts {
  records: number;
  classifications: number;
}

export class ApiRetentionPurge {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #batch: number;
  /** A turn deleted records and its erasure failed: the next turn erases even with nothing new. */
  #pending = false;
  /** Turns finished (erasure included), for tests and the benchmark to wait on. */
  completed = 0;

  constructor(dependencies: { db: Db; audit: AuditLog; batchSize?: number }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#batch = dependencies.batchSize ?? defaultBatch;
  }

  /** Purge everything expired at `now`; returns the counts per organisation. */
  async run(now: Date = new Date()): Promise<Map<string, PurgeCounts>> {
    const counts = new Map<string, PurgeCounts>();
    const count = (organizationId: string, field: keyof PurgeCounts) => {
      let entry = counts.get(organizationId);
      if (!entry) counts.set(organizationId, (entry = { records: 0, classifications: 0 }));
      entry[field] += 1;
    };
    // Pending until this turn's erasure is done: a turn that fails after deleting leaves it set.
    const pending = this.#pending;
    this.#pending = true;
    for (;;) {
      const deleted = await sql<{ organization_id: string }>`
        delete from api_records where id in (
          select id from api_records where expires_at <= ${now} limit ${this.#batch}
        ) returning organization_id`.execute(this.#db);
      for (const row of deleted.rows) count(row.organization_id, "records");
      if (deleted.rows.length < this.#batch) break;
    }
    // Metadata holds no content, but nothing about API traffic outlives the longest window.
    const metadataCutoff = new Date(now.getTime() - maxRetentionDays * dayMs);
    for (;;) {
      const deleted = await sql<{ organization_id: string }>`
        delete from api_classifications where id in (
          select id from api_classifications where created_at <= ${metadataCutoff} limit ${this.#batch}
        ) returning organization_id`.execute(this.#db);
      for (const row of deleted.rows) count(row.organization_id, "classifications");
      if (deleted.rows.length < this.#batch) break;
    }
    if (counts.size > 0 || pending) await eraseDeleted(this.#db, ["api_records", "api_classifications"]);
    this.#pending = false;
    for (const [organizationId, purged] of counts) {
      await this.#audit.append({
        actor: "system",
        action: "privacy.api_records_purged",
        target: organizationId,
        organizationId,
        metadata: { records: purged.records, classifications: purged.classifications },
      });
    }
    this.completed += 1;
    return counts;
  }
}
