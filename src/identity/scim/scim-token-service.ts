// SCIM bearer tokens, one or more per organisation: shown once, stored only as SHA-256 hashes,
// revocable; the token is how an identity provider's requests find their organisation.
import { randomToken } from "../../core/ids.ts";
import type { AuditLog } from "../../audit/audit-log.ts";
import type { Db } from "../../db/database.ts";
import { hashSecret, looksLikeSecret, newSecret, revokeSecret } from "../bearer-secret.ts";
import "./scim-tables.ts";

export const scimTokenPrefix = "scim-cust-";

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
    const { secret: token, hash } = newSecret(scimTokenPrefix);
    const id = `scimtok_${randomToken(24)}`;
    await this.#db
      .insertInto("scim_tokens")
      .values({ id, organization_id: organizationId, token_hash: hash })
      .execute();
    await this.#audit.append({ actor, action: "scim.token_created", target: id, organizationId });
    return { id, token };
  }

  /** The organisation a live token belongs to, or null. */
  async authenticate(token: string): Promise<{ organizationId: string; tokenId: string } | null> {
    if (!looksLikeSecret(token, scimTokenPrefix)) return null;
    const row = await this.#db
      .selectFrom("scim_tokens")
      .select(["id", "organization_id"])
      .where("token_hash", "=", hashSecret(token))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row ? { organizationId: row.organization_id, tokenId: row.id } : null;
  }

  revoke(organizationId: string, tokenId: string, actor: string): Promise<void> {
    return revokeSecret(this.#db, this.#audit, {
      table: "scim_tokens",
      organizationId,
      id: tokenId,
      actor,
      noun: "active SCIM token",
      action: "scim.token_revoked",
    });
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
