// The audit log: append-only, hash-chained entries with Ed25519-signed checkpoints, verifiable offline.
// Entries record who did what to which id; their metadata is scalar facts, never business content.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { Keyring } from "../crypto/keyring.ts";

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

export type VerifyResult =
  | { ok: true; entries: number; checkpoints: number }
  | { ok: false; entries: number; checkpoints: number; seq: number; problem: string };

const genesis = "0".repeat(64);
const signingKeyName = "audit-signing-key";
/** Any constant works; it only has to be the same in every process that appends. */
const appendLockId = 7_342_001;
const maxMetadataText = 200;

function entryHash(
  previous: string,
  entry: {
    seq: number;
    at: Date;
    actor: string;
    action: string;
    target: string | null;
    organization_id: string | null;
    metadata: string;
  },
): string {
  const canonical = JSON.stringify([
    entry.seq,
    entry.at.toISOString(),
    entry.actor,
    entry.action,
    entry.target,
    entry.organization_id,
    entry.metadata,
  ]);
  return createHash("sha256").update(previous).update("\n").update(canonical).digest("hex");
}

function checkpointMessage(seq: number, hash: string): Buffer {
  return Buffer.from(`custodian-audit-checkpoint:v1:${seq}:${hash}`);
}

function checkMetadata(metadata: AuditMetadata): string {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "string" && value.length > maxMetadataText) {
      // Long free text is how content leaks into logs; the audit log takes ids and facts only.
      throw new Error(`Audit metadata '${key}' is too long to be an id or a fact.`);
    }
  }
  return JSON.stringify(metadata);
}

export class AuditLog {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #checkpointEvery: number;
  #signingKey: KeyObject | null = null;

  constructor(db: Db, keyring: Keyring, options: { checkpointEvery: number }) {
    this.#db = db;
    this.#keyring = keyring;
    this.#checkpointEvery = options.checkpointEvery;
  }

  /** Append one entry; entries from every process form one chain, serialised by a database lock. */
  async append(event: AuditEvent): Promise<number> {
    const metadata = checkMetadata(event.metadata ?? {});
    const seq = await this.#db.transaction().execute(async (transaction) => {
      await sql`select pg_advisory_xact_lock(${appendLockId})`.execute(transaction);
      const last = await transaction
        .selectFrom("audit_entries")
        .select(["seq", "hash"])
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      const entry = {
        seq: (last?.seq ?? 0) + 1,
        at: new Date(),
        actor: event.actor,
        action: event.action,
        target: event.target ?? null,
        organization_id: event.organizationId ?? null,
        metadata,
      };
      const previous = last?.hash ?? genesis;
      const hash = entryHash(previous, entry);
      await transaction
        .insertInto("audit_entries")
        .values({ ...entry, prev_hash: previous, hash })
        .execute();
      return entry.seq;
    });
    if (seq % this.#checkpointEvery === 0) await this.checkpoint();
    return seq;
  }

  /**
   * One organisation's entries, newest first, with optional filters: for the admin console. Entries
   * hold ids and facts only, so they are safe to show to the organisation's auditors.
   */
  async list(
    organizationId: string,
    filter: { action?: string; actor?: string; target?: string; beforeSeq?: number; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    let query = this.#db
      .selectFrom("audit_entries")
      .select(["seq", "at", "actor", "action", "target", "organization_id", "metadata"])
      .where("organization_id", "=", organizationId);
    // An action ending in "." is a prefix: "member." finds every member event.
    if (filter.action !== undefined)
      query = filter.action.endsWith(".")
        ? query.where("action", "like", `${filter.action.replace(/[%_\\]/g, "")}%`)
        : query.where("action", "=", filter.action);
    if (filter.actor !== undefined) query = query.where("actor", "=", filter.actor);
    if (filter.target !== undefined) query = query.where("target", "=", filter.target);
    if (filter.beforeSeq !== undefined) query = query.where("seq", "<", filter.beforeSeq);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
    const rows = await query.orderBy("seq", "desc").limit(limit).execute();
    return rows.map((row) => ({
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      organizationId: row.organization_id,
      metadata: JSON.parse(row.metadata) as AuditMetadata,
    }));
  }

  /** Sign the chain's current head. Runs every N entries and on a timer in the server. */
  async checkpoint(): Promise<number | null> {
    const head = await this.#db
      .selectFrom("audit_entries")
      .select(["seq", "hash"])
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!head) return null;
    const key = await this.#privateKey();
    const signature = sign(null, checkpointMessage(head.seq, head.hash), key).toString("base64");
    await this.#db
      .insertInto("audit_checkpoints")
      .values({ seq: head.seq, hash: head.hash, signature, at: new Date() })
      .onConflict((conflict) => conflict.column("seq").doNothing())
      .execute();
    return head.seq;
  }

  async #privateKey(): Promise<KeyObject> {
    if (this.#signingKey) return this.#signingKey;
    let row = await this.#db
      .selectFrom("system_keys")
      .select("wrapped_key")
      .where("name", "=", signingKeyName)
      .executeTakeFirst();
    if (!row) {
      const { privateKey } = generateKeyPairSync("ed25519");
      const der = privateKey.export({ format: "der", type: "pkcs8" });
      await this.#db
        .insertInto("system_keys")
        .values({ name: signingKeyName, wrapped_key: this.#keyring.wrapSystemSecret(signingKeyName, der) })
        .onConflict((conflict) => conflict.column("name").doNothing())
        .execute();
      // Another process may have won the race; everyone uses the stored key.
      row = await this.#db
        .selectFrom("system_keys")
        .select("wrapped_key")
        .where("name", "=", signingKeyName)
        .executeTakeFirstOrThrow();
    }
    const der = this.#keyring.unwrapSystemSecret(signingKeyName, row.wrapped_key);
    this.#signingKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return this.#signingKey;
  }

  /** The sequence number of the newest entry; 0 for an empty log. */
  async head(): Promise<number> {
    const row = await this.#db
      .selectFrom("audit_entries")
      .select("seq")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.seq ?? 0;
  }

  /**
   * Entries in sequence order after `afterSeq`, optionally of one organisation only: for exports and
   * for the security-event monitor, which read the log through this method rather than its table.
   */
  async entries(
    filter: { afterSeq?: number; organizationId?: string; limit?: number } = {},
  ): Promise<AuditEntry[]> {
    let query = this.#db
      .selectFrom("audit_entries")
      .select(["seq", "at", "actor", "action", "target", "organization_id", "metadata"])
      .where("seq", ">", filter.afterSeq ?? 0)
      .orderBy("seq")
      .limit(Math.min(Math.max(filter.limit ?? 1000, 1), 10_000));
    if (filter.organizationId !== undefined)
      query = query.where("organization_id", "=", filter.organizationId);
    const rows = await query.execute();
    return rows.map((row) => ({
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      organizationId: row.organization_id,
      metadata: JSON.parse(row.metadata) as AuditMetadata,
    }));
  }

  /**
   * Walk the whole chain: every hash recomputed, every link and sequence number checked, every
   * checkpoint's signature and hash checked. Reports the first entry that does not hold.
   */
  async verify(): Promise<VerifyResult> {
    const checkpoints = await this.#db.selectFrom("audit_checkpoints").selectAll().orderBy("seq").execute();
    const bySeq = new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
    const publicKey = checkpoints.length > 0 ? createPublicKey(await this.#privateKey()) : null;
    let previous = genesis;
    let expected = 1;
    let count = 0;
    const fail = (seq: number, problem: string): VerifyResult => ({
      ok: false,
      entries: count,
      checkpoints: checkpoints.length,
      seq,
      problem,
    });
    const batch = 1000;
    for (;;) {
      const rows = await this.#db
        .selectFrom("audit_entries")
        .selectAll()
        .where("seq", ">=", expected)
        .orderBy("seq")
        .limit(batch)
        .execute();
      for (const row of rows) {
        if (row.seq !== expected) return fail(expected, `entry ${expected} is missing`);
        if (row.prev_hash !== previous) return fail(row.seq, "its link to the previous entry is broken");
        if (entryHash(previous, row) !== row.hash)
          return fail(row.seq, "its content does not match its hash");
        const checkpoint = bySeq.get(row.seq);
        if (checkpoint) {
          if (checkpoint.hash !== row.hash) return fail(row.seq, "it does not match its signed checkpoint");
          if (
            !verify(
              null,
              checkpointMessage(checkpoint.seq, checkpoint.hash),
              publicKey!,
              Buffer.from(checkpoint.signature, "base64"),
            )
          ) {
            return fail(row.seq, "its checkpoint signature is invalid");
          }
        }
        previous = row.hash;
        expected += 1;
        count += 1;
      }
      if (rows.length < batch) break;
    }
    const beyond = checkpoints.find((checkpoint) => checkpoint.seq >= expected);
    if (beyond)
      return fail(expected, `entries from ${expected} were removed (a checkpoint covers ${beyond.seq})`);
    return { ok: true, entries: count, checkpoints: checkpoints.length };
  }
}
