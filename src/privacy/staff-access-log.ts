// The log of every access to an organisation's stored data by someone other than its owner (an
// operator through a grant, an abuse reviewer): written with its audit entry in one transaction (SEC-3),
// shown to the organisation.
import type { AuditLog } from "../audit/audit-log.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import "./staff-tables.ts";

export interface DataAccess {
  organizationId: string;
  actorKind: "operator" | "reviewer";
  actor: string;
  grantId: string | null;
  /** A dotted verb: "api_record.viewed", "conversation.read". */
  action: string;
  target: string | null;
}

export interface DataAccessEvent extends DataAccess {
  id: string;
  at: Date;
}

export class StaffAccessLog {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /**
   * Record one access: a row the organisation's transparency view lists, and a tamper-evident audit
   * entry, in one transaction: both are written or neither is, and the caller shows nothing until then.
   */
  async record(access: DataAccess): Promise<void> {
    await this.#db.transaction().execute(async (transaction) => {
      await transaction
        .insertInto("data_access_events")
        .values({
          id: `dae_${randomToken(24)}`,
          organization_id: access.organizationId,
          actor_kind: access.actorKind,
          actor: access.actor,
          grant_id: access.grantId,
          action: access.action,
          target: access.target,
        })
        .execute();
      await this.#audit.appendWithin(transaction, {
        actor: access.actor,
        action: `data_access.${access.action}`,
        target: access.target,
        organizationId: access.organizationId,
        metadata: { actor_kind: access.actorKind, grant: access.grantId },
      });
    });
  }

  async list(organizationId: string, limit = 500): Promise<DataAccessEvent[]> {
    const rows = await this.#db
      .selectFrom("data_access_events")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .orderBy("at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      actorKind: row.actor_kind,
      actor: row.actor,
      grantId: row.grant_id,
      action: row.action,
      target: row.target,
      at: row.at,
    }));
  }
}
