// The organisation export's audit section (OWN-2, SEC-4): the organisation's entries, the signed
// checkpoint over the transparency log, and an inclusion proof of each entry against it.
import type { AuditLog, AuditMetadata } from "../audit/audit-log.ts";
import type { OrganizationAuditProofs } from "../audit/inclusion-proof.ts";

export interface AuditLogExport {
  entries: Array<{
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    metadata: AuditMetadata;
  }>;
  /**
   * The signed checkpoint (a C2SP note over the whole log, naming no organisation) that the inclusion
   * proofs lead to; empty when the log signs nothing (a log opened without its key).
   */
  checkpoints: Array<{ tree_size: number; note: string }>;
  /** Each entry the checkpoint covers, with its RFC 6962 path to the checkpoint's root; null without a key. */
  inclusion_proofs: OrganizationAuditProofs["entries"] | null;
  /** The verifier key of the checkpoints (`custodian audit public-key` prints the same). */
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
 * The organisation's entries, with inclusion proofs of each against the newest signed checkpoint, so the
 * organisation can check its own entries with `verifyEntryInclusion` and the public key alone.
 */
export async function organizationAuditLogExport(
  audit: AuditLog,
  organizationId: string,
): Promise<AuditLogExport> {
  const entries = await organizationAuditEntries(audit, organizationId);
  if (!audit.verifierKey) return { entries, checkpoints: [], inclusion_proofs: null, public_key: null };
  const proofs = await audit.organizationProofs(organizationId);
  return {
    entries,
    checkpoints: proofs.checkpoint ? [{ tree_size: proofs.tree_size, note: proofs.checkpoint }] : [],
    inclusion_proofs: proofs.entries,
    public_key: proofs.verifier_key,
  };
}
