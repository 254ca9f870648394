// SCIM bearer tokens, one or more per organisation: shown once, stored only as SHA-256 hashes,
// revocable; the token is how an identity provider's requests find their organisation.
import { createHash } from "node:crypto";
import { errors } from "../../core/errors.ts";
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import "./scim-tables.ts";

export const scimTokenPrefix = "scim-cust-";

function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export interface ScimTokenInfo {
  id: string;
  organizationId: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export class ScimTokenService {
  readonly #db: Db;
  readonly #audit: AuditLog;

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** A new token; the returned `token` is the only time it exists outside the caller. */
  async create(organizationId: string, actor: string): Promise<{ id: string; token: string }> {
    const token = `${scimTokenPrefix}${randomToken(48)}`;
    const id = `scimtok_${randomToken(24)}`;
    await this.#db
      .insertInto("scim_tokens")
      .values({ id, organization_id: organizationId, token_hash: hashToken(token) })
      .execute();
    await this.#audit.append({ actor, action: "scim.token_created", target: id, organizationId });
    return { id, token };
  }

  /** The organisation a live token belongs to, or null. */
  async authenticate(token: string): Promise<{ organizationId: string; tokenId: string } | null> {
    if (!token.startsWith(scimTokenPrefix) || token.length > 200) return null;
    const row = await this.#db
      .selectFrom("scim_tokens")
      .select(["id", "organization_id"])
      .where("token_hash", "=", hashToken(token))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row ? { organizationId: row.organization_id, tokenId: row.id } : null;
  }

  async revoke(organizationId: string, tokenId: string, actor: string): Promise<void> {
    const result = await this.#db
      .updateTable("scim_tokens")
      .set({ revoked_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", tokenId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound("active SCIM token", tokenId);
    await this.#audit.append({ actor, action: "scim.token_revoked", target: tokenId, organizationId });
  }

  async list(organizationId: string): Promise<ScimTokenInfo[]> {
    const rows = await this.#db
      .selectFrom("scim_tokens")
      .select(["id", "organization_id", "created_at", "revoked_at"])
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }));
  }
}
