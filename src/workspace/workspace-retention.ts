// Workspace retention (OWN-3) and the purge behind real deletion (OWN-4): expired conversations lose
// their keys, and conversations deleted longer ago than the deletion window lose their rows.
import { sql } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { workspaceErrors } from "./workspace-errors.ts";

/** The seed promises 30 days; Custodian removes deleted rows within one hour by default, never later than 30 days. */
export const defaultDeletionWindowMs = 3600 * 1000;
export const maxDeletionWindowMs = 30 * 24 * 3600 * 1000;
const maxRetentionDays = 36_500;

export interface PurgeCounts {
  expired: number;
  removed: number;
}

export class WorkspaceRetention {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** Keep a workspace's conversations for `days` after their last use, or forever with null. */
  async setRetention(
    organizationId: string,
    workspaceId: string,
    days: number | null,
    actor: string,
  ): Promise<void> {
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > maxRetentionDays)) {
      throw workspaceErrors.invalid(
        `Retention is a whole number of days from 1 to ${maxRetentionDays}, or forever.`,
        "days",
      );
    }
    await this.#db
      .insertInto("workspace_retention")
      .values({ workspace_id: workspaceId, organization_id: organizationId, days })
      .onConflict((conflict) => conflict.column("workspace_id").doUpdateSet({ days, updated_at: new Date() }))
      .execute();
    await this.#audit.append({
      actor,
      action: "workspace.retention_set",
      target: workspaceId,
      organizationId,
      metadata: { days },
    });
  }

  async retention(organizationId: string, workspaceId: string): Promise<number | null> {
    const row = await this.#db
      .selectFrom("workspace_retention")
      .select("days")
      .where("organization_id", "=", organizationId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return row?.days ?? null;
  }

  /** One purge pass, in batches; safe to run on many nodes (rows are claimed by the updates). */
  async purge(
    options: {
      deletionWindowMs?: number;
      batch?: number;
      now?: Date;
      /** Told which conversations retention just expired (their keys are already destroyed). */
      expired?: (organizationId: string, conversationIds: readonly string[]) => Promise<void>;
    } = {},
  ): Promise<PurgeCounts> {
    const now = options.now ?? new Date();
    const window = Math.min(options.deletionWindowMs ?? defaultDeletionWindowMs, maxDeletionWindowMs);
    const batch = options.batch ?? 1000;
    const counts: PurgeCounts = { expired: 0, removed: 0 };
    for (;;) {
      // Expired by retention: destroy the key first, exactly as a user's delete does.
      const expired = await sql<{ id: string; organization_id: string }>`
        update conversations set wrapped_key = null, title = null, deleted_at = ${now}
        where id in (
          select c.id from conversations c
          join workspace_retention r on r.workspace_id = c.workspace_id and r.organization_id = c.organization_id
          where c.deleted_at is null and r.days is not null
            and c.updated_at < ${now}::timestamptz - make_interval(days => r.days)
          limit ${batch})
        returning id, organization_id`.execute(this.#db);
      counts.expired += expired.rows.length;
      const byOrganization = Map.groupBy(expired.rows, (row) => row.organization_id);
      for (const [organizationId, rows] of byOrganization)
        await options.expired?.(
          organizationId,
          rows.map((row) => row.id),
        );
      if (expired.rows.length < batch) break;
    }
    const cutoff = new Date(now.getTime() - window);
    for (;;) {
      const removed = await sql<{ id: string }>`
        delete from conversations where id in (
          select id from conversations where deleted_at is not null and deleted_at <= ${cutoff} limit ${batch})
        returning id`.execute(this.#db);
      counts.removed += removed.rows.length;
      if (removed.rows.length < batch) break;
    }
    if (counts.expired + counts.removed > 0) {
      await this.#audit.append({ actor: "system", action: "workspace.purged", metadata: { ...counts } });
    }
    return counts;
  }
}
