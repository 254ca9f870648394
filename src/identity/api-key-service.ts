// API keys: shown once, stored only as SHA-256 hashes, scoped to one project, revocable.
import { ExpiringCache } from "../core/expiring-cache.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import type { ApiKeyPermission } from "../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { hashSecret, looksLikeSecret, newSecret, revokeSecret } from "./bearer-secret.ts";
import type { SignInThrottle } from "./sign-in-throttle.ts";
import "./scim/scim-tables.ts";

export const apiKeyPrefix = "sk-cust-";

export interface Principal {
  keyId: string;
  organizationId: string;
  projectId: string;
  permission: ApiKeyPermission;
}

export interface ApiKeyInfo {
  id: string;
  organizationId: string;
  projectId: string;
  name: string;
  permission: ApiKeyPermission;
  redacted: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * How long a verified key is trusted from memory before the database is asked again, unless the
 * service is told otherwise (CUSTODIAN_KEY_CACHE_MS): a key revoked on another node stops working
 * here within this time.
 */
const defaultCacheMs = 5_000;
/** last_used_at is written at most this often per key, off the request path. */
const touchEveryMs = 60_000;

export class ApiKeyService {
  readonly #db: Db;
  readonly #audit: AuditLog;
  /** Principals (null for unknown or revoked keys) by the key's hash. */
  readonly #cache: ExpiringCache<Principal | null>;
  readonly #touched = new Map<string, number>();
  readonly #throttle: SignInThrottle | null;

  constructor(dependencies: { db: Db; audit: AuditLog; cacheMs?: number; throttle?: SignInThrottle }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#cache = new ExpiringCache(dependencies.cacheMs ?? defaultCacheMs);
    this.#throttle = dependencies.throttle ?? null;
  }

  /** Create a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: {
    organizationId: string;
    projectId: string;
    name?: string;
    permission?: ApiKeyPermission;
    /** The user a personal key belongs to: deprovisioning that user disables it. */
    userId?: string;
    actor: string;
  }): Promise<ApiKeyInfo & { key: string }> {
    const { secret: key, hash } = newSecret(apiKeyPrefix);
    const row = {
      id: newId("key"),
      organization_id: input.organizationId,
      project_id: input.projectId,
      name: (input.name ?? "API key").slice(0, 200),
      permission: input.permission ?? "all",
      redacted: `${key.slice(0, apiKeyPrefix.length + 4)}...${key.slice(-4)}`,
      hash,
      user_id: input.userId ?? null,
    };
    await this.#db.insertInto("api_keys").values(row).execute();
    await this.#audit.append({
      actor: input.actor,
      action: "api_key.created",
      target: row.id,
      organizationId: input.organizationId,
      metadata: { project: input.projectId, permission: row.permission },
    });
    return {
      key,
      id: row.id,
      organizationId: row.organization_id,
      projectId: row.project_id,
      name: row.name,
      permission: row.permission,
      redacted: row.redacted,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    };
  }

  /**
   * The principal a key stands for, or null for an unknown or revoked key. Given the client's address,
   * failures are throttled: past the limit a wrong key is answered 429 (a right one still works).
   */
  async authenticate(key: string, clientAddress?: string): Promise<Principal | null> {
    const principal = await this.#lookUp(key);
    if (principal || !this.#throttle || clientAddress === undefined) return principal;
    const subject = this.#throttle.keySubject(clientAddress);
    this.#throttle.check([subject]);
    const refusal = await this.#throttle.failed([{ subject, limit: "perAddress" }]);
    if (refusal) throw refusal;
    return null;
  }

  async #lookUp(key: string): Promise<Principal | null> {
    if (!looksLikeSecret(key, apiKeyPrefix)) return null;
    const hash = hashSecret(key);
    const principal = await this.#cache.get(hash.toString("base64"), () => this.#principalOf(hash));
    if (principal) this.#touch(principal.keyId, Date.now());
    return principal;
  }

  async #principalOf(hash: Buffer): Promise<Principal | null> {
    const row = await this.#db
      .selectFrom("api_keys")
      .select(["id", "organization_id", "project_id", "permission"])
      .where("hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row
      ? {
          keyId: row.id,
          organizationId: row.organization_id,
          projectId: row.project_id,
          permission: row.permission,
        }
      : null;
  }

  #touch(keyId: string, now: number): void {
    if ((this.#touched.get(keyId) ?? 0) + touchEveryMs > now) return;
    this.#touched.set(keyId, now);
    // Fire and forget: a failed timestamp update must never fail the request.
    void this.#db
      .updateTable("api_keys")
      .set({ last_used_at: new Date(now) })
      .where("id", "=", keyId)
      .execute()
      .catch(() => undefined);
  }

  async revoke(organizationId: string, keyId: string, actor: string): Promise<void> {
    try {
      await revokeSecret(this.#db, this.#audit, {
        table: "api_keys",
        organizationId,
        id: keyId,
        actor,
        noun: "active API key",
        action: "api_key.revoked",
      });
    } finally {
      this.#cache.clear();
    }
  }

  /** Disable every personal key of a user at once (deprovisioned or deactivated); the count disabled. */
  async revokeAllForUser(organizationId: string, userId: string, actor: string): Promise<number> {
    const result = await this.#db
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    const count = Number(result.numUpdatedRows);
    this.#cache.clear();
    if (count > 0) {
      await this.#audit.append({
        actor,
        action: "api_key.revoked_all",
        target: userId,
        organizationId,
        metadata: { keys: count },
      });
    }
    return count;
  }

  /** The user a personal key belongs to (for user budgets); null for a project key or an unknown one. */
  async ownerOf(organizationId: string, keyId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("api_keys")
      .select("user_id")
      .where("organization_id", "=", organizationId)
      .where("id", "=", keyId)
      .executeTakeFirst();
    return row?.user_id ?? null;
  }

  async list(organizationId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.#db
      .selectFrom("api_keys")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      projectId: row.project_id,
      name: row.name,
      permission: row.permission,
      redacted: row.redacted,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    }));
  }
}
