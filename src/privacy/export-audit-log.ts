// The organisation export's audit section (OWN-2, SEC-4): the organisation's entries, the signed
// checkpoints over the log, and (once the log is a Merkle tree) inclusion proofs of its entries. This one
// function is the switch-over point for the transparency log of issue 14.2.
import type { AuditLog, AuditMetadata } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";

export interface AuditLogExport {
  entries: Array<{
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    metadata: AuditMetadata;
  }>;
  /** Signed checkpoints of the whole log (they cover every organisation's entries, and name none). */
  checkpoints: Array<{ seq: number; hash: string; signature: string; at: string }>;
  /** Proofs that each entry is in a checkpoint; null until the log is a Merkle tree (issue 14.2). */
  inclusion_proofs: Array<Record<string, unknown>> | null;
  /** The key that verifies the checkpoints; null until it lives outside the database (issue 14.2). */
  public_key: string | null;
}

const page = 5000;

/** The organisation's entries in sequence order, through the AuditLog API. */
export async function organizationAuditEntries(
  audit: AuditLog,
  organizationId: string,
): Promise<AuditLogExport["entries"]> {
  const entries: AuditLogExport["entries"] = [];
  for (let afterSeq = 0; ;) {
    const batch = await audit.entries({ organizationId, afterSeq, limit: page });
    for (const entry of batch) {
      entries.push({
        seq: entry.seq,
        at: entry.at.toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        metadata: entry.metadata,
      });
    }
    if (batch.length < page) return entries;
    afterSeq = batch.at(-1)!.seq;
  }
}

/**
 * STOPGAP until the audit domain exports one organisation's entries with checkpoints and inclusion
 * proofs itself (issue 14.2): entries come through the AuditLog API; that API has no reader for
 * checkpoints, so they are read here from the audit domain's table. Replace this body with the audit
 * domain's function; the export's shape (AuditLogExport) already has room for proofs and the key.
 */
export async function organizationAuditLogExport(
  dependencies: { audit: AuditLog; db: Db },
  organizationId: string,
): Promise<AuditLogExport> {
  const entries = await organizationAuditEntries(dependencies.audit, organizationId);
  const checkpoints = await dependencies.db
    .selectFrom("audit_checkpoints")
    .select(["seq", "hash", "signature", "at"])
    .orderBy("seq")
    .execute();
  return {
    entries,
    checkpoints: checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      signature: checkpoint.signature,
      at: checkpoint.at.toISOString(),
    })),
    inclusion_proofs: null,
    public_key: null,
  };
}
