// node-saml's cache of outstanding AuthnRequest ids, kept in the database so that the node that
// receives the response need not be the node that sent the request.
import type { CacheItem, CacheProvider } from "@node-saml/node-saml";
import type { Db } from "../../db/database.ts";
import "../identity-tables.ts";

export class SamlRequestCache implements CacheProvider {
  readonly #db: Db;
  readonly #organizationId: string;
  readonly #lifetimeMs: number;
  readonly #browserHash: Buffer | null;

  /** browserHash: the hash of the token given to the browser that starts this login, stored with its request id. */
  constructor(db: Db, organizationId: string, lifetimeMs: number, browserHash: Buffer | null = null) {
    this.#db = db;
    this.#organizationId = organizationId;
    this.#lifetimeMs = lifetimeMs;
    this.#browserHash = browserHash;
  }

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const now = Date.now();
    await this.#db
      .insertInto("saml_requests")
      .values({
        organization_id: this.#organizationId,
        request_id: key,
        browser_hash: this.#browserHash,
        expires_at: new Date(now + this.#lifetimeMs),
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    return { value, createdAt: now };
  }

  async getAsync(key: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("saml_requests")
      .select("expires_at")
      .where("organization_id", "=", this.#organizationId)
      .where("request_id", "=", key)
      .where("expires_at", ">", new Date())
      .executeTakeFirst();
    return row ? row.expires_at.toISOString() : null;
  }

  /** The browser hash stored with an outstanding request: undefined if there is no such request. */
  async browserHash(key: string): Promise<Buffer | null | undefined> {
    const row = await this.#db
      .selectFrom("saml_requests")
      .select("browser_hash")
      .where("organization_id", "=", this.#organizationId)
      .where("request_id", "=", key)
      .executeTakeFirst();
    return row ? row.browser_hash : undefined;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    const row = await this.#db
      .deleteFrom("saml_requests")
      .where("organization_id", "=", this.#organizationId)
      .where("request_id", "=", key)
      .returning("request_id")
      .executeTakeFirst();
    return row ? key : null;
  }
}
