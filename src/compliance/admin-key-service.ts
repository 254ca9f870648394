// Admin API keys (SEC-4, CTL-4): organisation-level bearer keys for the audit-log API, made by owners,
// shown once and stored only as SHA-256 hashes (identity/bearer-secret.ts, as API keys and SCIM tokens
// are). They are distinct from project keys: a project key is not one, and an admin key calls no model.
import type { AuditLog } from "../audit/audit-log.ts";
import { errors } from "../core/errors.ts";
import { publicToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import { hashSecret, looksLikeSecret, newSecret } from "../identity/bearer-secret.ts";
import "./admin-key-tables.ts";

export const adminKeyPrefix = "sk-admin-";

export interface AdminKeyInfo {
  id: string;
  organizationId: string;
  name: string;
  redacted: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who an admin key stands for: one organisation. */
export interface AdminPrincipal {
  keyId: string;
  organizationId: string;
}

/** last_used_at is written at most this often per key, off the request path. */
const touchEveryMs = 60_000;

type Row = {
  id: string;
  organization_id: string;
  name: string;
  redacted: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

function toInfo(row: Row): AdminKeyInfo {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    redacted: row.redacted,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

const columns = [
  "id",
  "organization_id",
  "name",
  "redacted",
  "created_by",
  "created_at",
  "last_used_at",
  "revoked_at",
] as const;

export class AdminKeyService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #touched = new Map<string, number>();

  constructor(dependencies: { db: Db; audit: AuditLog }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
  }

  /** Make a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: {
    organizationId: string;
    name?: string;
    actor: string;
  }): Promise<AdminKeyInfo & { key: string }> {
    const { secret: key, hash } = newSecret(adminKeyPrefix);
    const row = {
      id: `key_${publicToken(24)}`,
      organization_id: input.organizationId,
      name: (input.name ?? "Admin key").slice(0, 200),
      redacted: `${key.slice(0, adminKeyPrefix.length + 4)}...${key.slice(-4)}`,
      hash,
      created_by: input.actor,
    };
    await this.#db.insertInto("admin_api_keys").values(row).execute();
    await this.#audit.append({
      actor: input.actor,
      action: "admin_api_key.created",
      target: row.id,
      organizationId: input.organizationId,
    });
    return { ...toInfo({ ...row, created_at: new Date(), last_used_at: null, revoked_at: null }), key };
  }

  /** The organisation a live admin key stands for, or null (a project key, an unknown or revoked key). */
  async authenticate(key: string): Promise<AdminPrincipal | null> {
    if (!looksLikeSecret(key, adminKeyPrefix)) return null;
    const row = await this.#db
      .selectFrom("admin_api_keys")
      .select(["id", "organization_id"])
      .where("hash", "=", hashSecret(key))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    this.#touch(row.id);
    return { keyId: row.id, organizationId: row.organization_id };
  }

  #touch(keyId: string): void {
    const now = Date.now();
    if ((this.#touched.get(keyId) ?? 0) + touchEveryMs > now) return;
    this.#touched.set(keyId, now);
    // Fire and forget: a failed timestamp update must never fail the request.
    void this.#db
      .updateTable("admin_api_keys")
      .set({ last_used_at: new Date(now) })
      .where("id", "=", keyId)
      .execute()
      .catch(() => undefined);
  }

  async list(organizationId: string): Promise<AdminKeyInfo[]> {
    const rows = await this.#db
      .selectFrom("admin_api_keys")
      .select(columns)
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toInfo);
  }

  async get(organizationId: string, id: string): Promise<AdminKeyInfo> {
    const row = await this.#db
      .selectFrom("admin_api_keys")
      .select(columns)
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw errors.notFound("admin API key", id);
    return toInfo(row);
  }

  /** Revoke a live key of the organisation; 404 when it is unknown or already revoked. */
  async revoke(organizationId: string, id: string, actor: string): Promise<void> {
    const result = await this.#db
      .updateTable("admin_api_keys")
      .set({ revoked_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound("active admin API key", id);
    await this.#audit.append({ actor, action: "admin_api_key.revoked", target: id, organizationId });
  }
}
