// What API keys and SCIM tokens share: a random secret behind a recognisable prefix, shown once and
// stored only as its SHA-256 hash, and revocation that stamps the row, audits it and refuses twice.
import { hash } from "node:crypto";
import { errors } from "../core/errors.ts";
import { randomToken } from "../core/ids.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import "./scim/scim-tables.ts";

/** The longest presented secret worth hashing: anything longer is refused without a lookup. */
export const maxSecretLength = 200;

export function hashSecret(secret: string): Buffer {
  // The one-shot hash: half the CPU of a Hash object, on every API call.
  return hash("sha256", secret, "buffer");
}

/** A new secret and the hash to store; the secret itself is returned once and never stored. */
export function newSecret(prefix: string): { secret: string; hash: Buffer } {
  const secret = `${prefix}${randomToken(48)}`;
  return { secret, hash: hashSecret(secret) };
}

/** Whether a presented secret could be one of ours, before it is hashed and looked up. */
export function looksLikeSecret(presented: string, prefix: string): boolean {
  return presented.startsWith(prefix) && presented.length <= maxSecretLength;
}

/** Revokes one live secret of the organisation; 404 when it is unknown or already revoked. */
export async function revokeSecret(
  db: Db,
  audit: AuditLog,
  input: {
    table: "api_keys" | "scim_tokens";
    organizationId: string;
    id: string;
    actor: string;
    /** What a 404 calls it, such as "active API key". */
    noun: string;
    action: string;
  },
): Promise<void> {
  const result = await db
    .updateTable(input.table)
    .set({ revoked_at: new Date() })
    .where("organization_id", "=", input.organizationId)
    .where("id", "=", input.id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw errors.notFound(input.noun, input.id);
  await audit.append({
    actor: input.actor,
    action: input.action,
    target: input.id,
    organizationId: input.organizationId,
  });
}
