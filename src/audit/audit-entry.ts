// What an audit entry is: who did what to which id, with scalar facts; and the exact bytes of an entry
// that its Merkle leaf hashes, which anyone can recompute from an export.
import { auditErrors } from "./audit-errors.ts";

export type AuditMetadata = Record<string, string | number | boolean | null>;

export interface AuditEvent {
  /** Who: a user id, an API key id, "system" or "cli". */
  actor: string;
  /** What, as a dotted verb: "api_key.created". */
  action: string;
  /** Which object, by id. */
  target?: string | null;
  organizationId?: string | null;
  metadata?: AuditMetadata;
}

/** One stored entry, as `entries()` returns it. */
export interface AuditEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organizationId: string | null;
  metadata: AuditMetadata;
}

/** An entry as its row holds it: the metadata as the JSON text that was hashed. */
export interface StoredEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organization_id: string | null;
  metadata: string;
}

/** An entry as exports and proofs carry it (JSON): the same facts, with the time as ISO 8601 text. */
export interface ExportedEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  organization: string | null;
  metadata: AuditMetadata;
}

const maxMetadataText = 200;

/** The metadata's JSON, refusing anything that could be content rather than an id or a fact. */
export function metadataText(metadata: AuditMetadata): string {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "string" && value.length > maxMetadataText) {
      // Long free text is how content leaks into logs; the audit log takes ids and facts only.
      throw auditErrors.metadataTooLong(key);
    }
  }
  return JSON.stringify(metadata);
}

/**
 * The bytes a leaf hashes: the UTF-8 JSON array [seq, at, actor, action, target, organization,
 * metadata JSON text]. The metadata is JSON.stringify of a flat object of scalars, so parsing it and
 * stringifying it again gives the same characters: an export's entry recomputes to the same leaf.
 */
export function entryBytes(entry: StoredEntry): Buffer {
  return Buffer.from(
    JSON.stringify([
      entry.seq,
      entry.at.toISOString(),
      entry.actor,
      entry.action,
      entry.target,
      entry.organization_id,
      entry.metadata,
    ]),
    "utf8",
  );
}

export function toAuditEntry(row: StoredEntry): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    organizationId: row.organization_id,
    metadata: JSON.parse(row.metadata) as AuditMetadata,
  };
}

export function toExportedEntry(row: StoredEntry): ExportedEntry {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    organization: row.organization_id,
    metadata: JSON.parse(row.metadata) as AuditMetadata,
  };
}

/** An exported entry back to the row it came from; throws on a shape no export of ours has. */
export function fromExportedEntry(value: unknown): StoredEntry {
  const entry = value as Partial<ExportedEntry> | null;
  const scalar = (item: unknown) => item === null || ["string", "number", "boolean"].includes(typeof item);
  if (
    !entry ||
    typeof entry !== "object" ||
    !Number.isSafeInteger(entry.seq) ||
    typeof entry.at !== "string" ||
    Number.isNaN(Date.parse(entry.at)) ||
    new Date(entry.at).toISOString() !== entry.at ||
    typeof entry.actor !== "string" ||
    typeof entry.action !== "string" ||
    (entry.target !== null && typeof entry.target !== "string") ||
    (entry.organization !== null && typeof entry.organization !== "string") ||
    !entry.metadata ||
    typeof entry.metadata !== "object" ||
    Array.isArray(entry.metadata) ||
    !Object.values(entry.metadata).every(scalar)
  ) {
    throw auditErrors.malformedExport("an entry does not have the shape of an audit entry");
  }
  return {
    seq: entry.seq!,
    at: new Date(entry.at),
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    organization_id: entry.organization ?? null,
    metadata: JSON.stringify(entry.metadata),
  };
}
