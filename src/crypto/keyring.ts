// The keyring: one versioned data key per organisation, wrapped by the master key or by the customer's
// own KMS key, used to seal and open business content (SEC-1). Rotation adds a version; old versions stay
// to open old data.
import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { ExpiringCache } from "../core/expiring-cache.ts";
import type { Db } from "../db/database.ts";
import { open, seal, keyVersionOf, DecryptionError } from "./aead.ts";
import { customerKeyWrapper, type CustomerKeySettings } from "./customer-key-settings.ts";
import type { KeyWrapper, WrapContext } from "./key-wrapper.ts";
import type { KeyLedger } from "./key-ledger.ts";
import { LocalKeyWrapper } from "./local-key-wrapper.ts";

export interface Place {
  table: string;
  row: string;
}

export interface KeyringOptions {
  /**
   * How long an unwrapped customer-managed key is used from memory. Revoking the key in the
   * customer's KMS takes effect within this time; a longer time means fewer KMS calls.
   */
  customerKeyCacheMs?: number;
  /**
   * How long the newest key version of an organisation is taken from memory before the database is
   * asked again: a rotation done by another node is used for new data within this time.
   */
  latestVersionCacheMs?: number;
  /** Where destroyed keys are recorded, outside the database, for restores to replay (OWN-4). */
  ledger?: KeyLedger | null;
}

const providerBinding = (organization: string) => ({
  table: "organization_key_providers",
  row: organization,
  organization,
});

export class Keyring {
  readonly #db: Db;
  readonly #master: Buffer;
  readonly #local: LocalKeyWrapper;
  readonly #customerKeyCacheMs: number;
  /**
   * Unwrapped organisation keys by "org:version", with the time they may be used until. Not an
   * ExpiringCache: how long a key is trusted is its wrapper's to say (for ever under the master key,
   * the customer's cache time under their KMS), known only once the key is loaded.
   */
  readonly #keys = new Map<string, { key: KeyObject; until: number }>();
  /** The newest key version of each organisation. */
  readonly #latest: ExpiringCache<number>;
  /** The wrapper of each organisation's keys: the master key, or the customer's KMS key. */
  readonly #wrappers: ExpiringCache<KeyWrapper>;
  readonly #ledger: KeyLedger | null;

  constructor(db: Db, masterKey: Buffer, options: KeyringOptions = {}) {
    this.#db = db;
    this.#master = masterKey;
    this.#local = new LocalKeyWrapper(masterKey);
    this.#customerKeyCacheMs = options.customerKeyCacheMs ?? 60_000;
    this.#latest = new ExpiringCache(options.latestVersionCacheMs ?? 60_000);
    this.#wrappers = new ExpiringCache(this.#customerKeyCacheMs);
    this.#ledger = options.ledger ?? null;
  }

  /**
   * Record that these objects' data keys were destroyed (call after the destroying transaction
   * commits): a restore of an older backup destroys them again before it serves.
   */
  destroyed(organization: string, places: readonly Place[]): void {
    this.#ledger?.record(places.map((place) => ({ table: place.table, row: place.row, organization })));
  }

  /** Create version 1 of an organisation's key; call once, when the organisation is made. */
  async createOrganizationKey(organization: string, db: Db = this.#db): Promise<void> {
    await this.#insertVersion(organization, 1, db, this.#local);
  }

  /** Add a new key version; new data is sealed with it, old data stays readable. */
  async rotate(organization: string): Promise<number> {
    const version = (await this.#latestVersion(organization)) + 1;
    await this.#insertVersion(organization, version, this.#db, await this.#wrapperFor(organization));
    return version;
  }

  /** Each version of the organisation's data key and when it was made: its rotation history (SEC-5). */
  async keyVersions(organization: string): Promise<Array<{ version: number; createdAt: Date }>> {
    const rows = await this.#db
      .selectFrom("organization_keys")
      .select(["version", "created_at"])
      .where("organization_id", "=", organization)
      .orderBy("version")
      .execute();
    return rows.map((row) => ({ version: row.version, createdAt: row.created_at }));
  }

  async #insertVersion(organization: string, version: number, db: Db, wrapper: KeyWrapper): Promise<void> {
    const key = randomBytes(32);
    const wrapped = await wrapper.wrap(key, { organization, version });
    await db
      .insertInto("organization_keys")
      .values({ organization_id: organization, version, wrapped_key: wrapped })
      .execute();
    this.#keys.set(`${organization}:${version}`, {
      key: createSecretKey(key),
      until: Date.now() + wrapper.cacheMs,
    });
    this.#latest.set(organization, version);
  }

  async #latestVersion(organization: string): Promise<number> {
    const row = await this.#db
      .selectFrom("organization_keys")
      .select((eb) => eb.fn.max("version").as("version"))
      .where("organization_id", "=", organization)
      .executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  #wrapperFor(organization: string): Promise<KeyWrapper> {
    return this.#wrappers.get(organization, () => this.#loadWrapper(organization));
  }

  async #loadWrapper(organization: string): Promise<KeyWrapper> {
    const row = await this.#db
      .selectFrom("organization_key_providers")
      .select(["settings"])
      .where("organization_id", "=", organization)
      .executeTakeFirst();
    return row
      ? customerKeyWrapper(
          JSON.parse(
            open(this.#master, providerBinding(organization), row.settings).toString("utf8"),
          ) as CustomerKeySettings,
          this.#customerKeyCacheMs,
        )
      : this.#local;
  }

  /** The data key as a KeyObject: Node imports a raw key again on every seal (see aead.ts). */
  async #key(organization: string, version: number): Promise<KeyObject> {
    const cacheKey = `${organization}:${version}`;
    const cached = this.#keys.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.key;
    const row = await this.#db
      .selectFrom("organization_keys")
      .select("wrapped_key")
      .where("organization_id", "=", organization)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw new DecryptionError();
    const wrapper = await this.#wrapperFor(organization);
    const context: WrapContext = { organization, version };
    const { key, rewrapped } = await wrapper.unwrap(row.wrapped_key, context).catch((error: unknown) => {
      this.#keys.delete(cacheKey);
      throw error;
    });
    if (rewrapped) {
      await this.#db
        .updateTable("organization_keys")
        .set({ wrapped_key: rewrapped })
        .where("organization_id", "=", organization)
        .where("version", "=", version)
        .execute();
    }
    const imported = createSecretKey(key);
    this.#keys.set(cacheKey, { key: imported, until: Date.now() + wrapper.cacheMs });
    return imported;
  }

  #currentVersion(organization: string): Promise<number> {
    return this.#latest.get(organization, async () => {
      const version = await this.#latestVersion(organization);
      if (version === 0) throw new Error(`Organisation ${organization} has no data key.`);
      return version;
    });
  }

  async seal(organization: string, place: Place, plaintext: Buffer | string): Promise<Buffer> {
    const version = await this.#currentVersion(organization);
    const key = await this.#key(organization, version);
    const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    return seal(key, version, { ...place, organization }, bytes);
  }

  async open(organization: string, place: Place, sealed: Buffer): Promise<Buffer> {
    const key = await this.#key(organization, keyVersionOf(sealed));
    return open(key, { ...place, organization }, sealed);
  }

  /** Throws the customer-key error (403 revoked, 503 unreachable) if the organisation's data is locked. */
  async assertAvailable(organization: string): Promise<void> {
    await this.#key(organization, await this.#currentVersion(organization));
  }

  /**
   * Hand the organisation's data keys to a customer-managed key (or back to the master key with
   * null): every version is unwrapped with the old wrapper and wrapped with the new one, checked,
   * and stored in one transaction.
   */
  async setCustomerKey(organization: string, settings: CustomerKeySettings | null): Promise<void> {
    const current = await this.#wrapperFor(organization);
    const next = settings ? customerKeyWrapper(settings, this.#customerKeyCacheMs) : this.#local;
    const rows = await this.#db
      .selectFrom("organization_keys")
      .select(["version", "wrapped_key"])
      .where("organization_id", "=", organization)
      .execute();
    const rewrapped: Array<{ version: number; wrapped: Buffer }> = [];
    for (const row of rows) {
      const context = { organization, version: row.version };
      const { key } = await current.unwrap(row.wrapped_key, context);
      const wrapped = await next.wrap(key, context);
      if (!(await next.unwrap(wrapped, context)).key.equals(key)) throw new DecryptionError();
      rewrapped.push({ version: row.version, wrapped });
    }
    await this.#db.transaction().execute(async (transaction) => {
      for (const { version, wrapped } of rewrapped) {
        await transaction
          .updateTable("organization_keys")
          .set({ wrapped_key: wrapped })
          .where("organization_id", "=", organization)
          .where("version", "=", version)
          .execute();
      }
      await transaction
        .deleteFrom("organization_key_providers")
        .where("organization_id", "=", organization)
        .execute();
      if (settings) {
        const sealed = seal(
          this.#master,
          0,
          providerBinding(organization),
          Buffer.from(JSON.stringify(settings)),
        );
        await transaction
          .insertInto("organization_key_providers")
          .values({ organization_id: organization, kind: settings.kind, settings: sealed })
          .execute();
      }
    });
    this.#wrappers.delete(organization);
    for (const key of this.#keys.keys()) if (key.startsWith(`${organization}:`)) this.#keys.delete(key);
  }

  /** Which kind of key wraps the organisation's data keys. */
  async customerKeyKind(organization: string): Promise<KeyWrapper["kind"]> {
    return (await this.#wrapperFor(organization)).kind;
  }

  /** Seal a platform-wide secret (such as the audit signing key) under the master key. */
  wrapSystemSecret(name: string, secret: Buffer): Buffer {
    return seal(this.#master, 0, { table: "system_keys", row: name, organization: "" }, secret);
  }

  unwrapSystemSecret(name: string, wrapped: Buffer): Buffer {
    return open(this.#master, { table: "system_keys", row: name, organization: "" }, wrapped);
  }
}
