// The keyring: one versioned data key per organisation, wrapped by the master key, used to seal and
// open business content. Rotation adds a version; old versions stay to open old data.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/database.ts";
import { open, seal, keyVersionOf, DecryptionError, type Binding } from "./aead.ts";

export interface Place {
  table: string;
  row: string;
}

export class Keyring {
  readonly #db: Db;
  readonly #master: Buffer;
  /** Unwrapped organisation keys by "org:version"; the latest version by org. */
  readonly #keys = new Map<string, Buffer>();
  readonly #latest = new Map<string, number>();

  constructor(db: Db, masterKey: Buffer) {
    this.#db = db;
    this.#master = masterKey;
  }

  #wrapBinding(organization: string, version: number): Binding {
    return { table: "organization_keys", row: `${organization}:${version}`, organization };
  }

  /** Create version 1 of an organisation's key; call once, when the organisation is made. */
  async createOrganizationKey(organization: string, db: Db = this.#db): Promise<void> {
    await this.#insertVersion(organization, 1, db);
  }

  /** Add a new key version; new data is sealed with it, old data stays readable. */
  async rotate(organization: string): Promise<number> {
    const version = (await this.#latestVersion(organization)) + 1;
    await this.#insertVersion(organization, version, this.#db);
    return version;
  }

  async #insertVersion(organization: string, version: number, db: Db): Promise<void> {
    const key = randomBytes(32);
    const wrapped = seal(this.#master, 0, this.#wrapBinding(organization, version), key);
    await db
      .insertInto("organization_keys")
      .values({ organization_id: organization, version, wrapped_key: wrapped })
      .execute();
    this.#keys.set(`${organization}:${version}`, key);
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

  async #key(organization: string, version: number): Promise<Buffer> {
    const cached = this.#keys.get(`${organization}:${version}`);
    if (cached) return cached;
    const row = await this.#db
      .selectFrom("organization_keys")
      .select("wrapped_key")
      .where("organization_id", "=", organization)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw new DecryptionError();
    const key = open(this.#master, this.#wrapBinding(organization, version), row.wrapped_key);
    this.#keys.set(`${organization}:${version}`, key);
    return key;
  }

  async seal(organization: string, place: Place, plaintext: Buffer | string): Promise<Buffer> {
    let version = this.#latest.get(organization);
    if (version === undefined) {
      version = await this.#latestVersion(organization);
      if (version === 0) throw new Error(`Organisation ${organization} has no data key.`);
      this.#latest.set(organization, version);
    }
    const key = await this.#key(organization, version);
    const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    return seal(key, version, { ...place, organization }, bytes);
  }

  async open(organization: string, place: Place, sealed: Buffer): Promise<Buffer> {
    const key = await this.#key(organization, keyVersionOf(sealed));
    return open(key, { ...place, organization }, sealed);
  }

  /** Seal a platform-wide secret (such as the audit signing key) under the master key. */
  wrapSystemSecret(name: string, secret: Buffer): Buffer {
    return seal(this.#master, 0, { table: "system_keys", row: name, organization: "" }, secret);
  }

  unwrapSystemSecret(name: string, wrapped: Buffer): Buffer {
    return open(this.#master, { table: "system_keys", row: name, organization: "" }, wrapped);
  }
}
