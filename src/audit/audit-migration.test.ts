// Migration 0900 on a database as the hash-chained audit log left it: every entry kept, the old chain
// checked and its verdict recorded as the new tree's first entry, the key the database held dropped.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { checkInclusionIndependently } from "../../test/helpers/independent-proof-check.ts";
import { Keyring } from "../crypto/keyring.ts";
import { up as migrateTo0900 } from "../db/migrations/0900-audit-transparency-log.ts";
import { AuditLog } from "./audit-log.ts";

interface LegacyRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  organization_id: string | null;
  metadata: string;
}

/** The old chain's hash, as src/audit/audit-log.ts computed it before this migration. */
function legacyHash(previous: string, entry: LegacyRow): string {
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

/** Put the database back as it was before 0900, holding `count` chained entries. */
async function legacyDatabase(database: TestDatabase, count: number): Promise<LegacyRow[]> {
  const { db } = database;
  await sql`drop table audit_tree_nodes`.execute(db);
  await sql`drop table audit_checkpoints`.execute(db);
  await sql`create table audit_checkpoints (seq bigint primary key, hash text not null, signature text not null, at timestamptz not null)`.execute(
    db,
  );
  await sql`alter table audit_entries add column prev_hash text not null, add column hash text not null`.execute(
    db,
  );
  const rows: LegacyRow[] = [];
  let previous = "0".repeat(64);
  for (let seq = 1; seq <= count; seq += 1) {
    const row: LegacyRow = {
      seq,
      at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)),
      actor: "user_1",
      action: seq % 2 ? "api_key.created" : "organization.created",
      target: `obj_${seq}`,
      organization_id: "org_legacy",
      metadata: JSON.stringify({ seq, kind: "legacy" }),
    };
    const hash = legacyHash(previous, row);
    await sql`insert into audit_entries (seq, at, actor, action, target, organization_id, metadata, prev_hash, hash)
      values (${row.seq}, ${row.at}, ${row.actor}, ${row.action}, ${row.target}, ${row.organization_id},
              ${row.metadata}, ${previous}, ${hash})`.execute(db);
    previous = hash;
    rows.push(row);
  }
  await sql`insert into audit_checkpoints values (${count}, ${previous}, 'c2lnbmF0dXJl', now())`.execute(db);
  await sql`insert into system_keys (name, wrapped_key) values ('audit-signing-key', ${randomBytes(60)})`.execute(
    db,
  );
  return rows;
}

describe("migration 0900: the hash chain becomes a Merkle tree", () => {
  let database: TestDatabase;
  let dataDir: string;

  beforeEach(async () => {
    database = await testDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), "custodian-audit-migration-"));
  }, 180_000);
  afterEach(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function auditLog(): AuditLog {
    return new AuditLog(database.db, new Keyring(database.db, randomBytes(32)), {
      checkpointEvery: 100,
      checkpoints: { keyFile: path.join(dataDir, "audit-signing.key"), dataDir },
    });
  }

  it("[SEC-4] keeps every entry of an intact chain, records the check, and verifies as a signed tree", async () => {
    const legacy = await legacyDatabase(database, 37);
    await migrateTo0900(database.db as unknown as Kysely<unknown>);
    const audit = auditLog();
    const entries = await audit.entries({ limit: 1000 });
    expect(entries).toHaveLength(38);
    expect(entries.slice(0, 37).map((entry) => [entry.seq, entry.at.toISOString(), entry.target])).toEqual(
      legacy.map((row) => [row.seq, row.at.toISOString(), row.target]),
    );
    expect(entries[37]).toMatchObject({
      seq: 38,
      action: "audit.tree_built",
      metadata: { legacy_entries: 37, legacy_chain: "intact", legacy_first_bad_entry: null },
    });
    const columns = await sql<{ name: string }>`
      select column_name as name from information_schema.columns where table_name = 'audit_entries'`.execute(
      database.db,
    );
    expect(columns.rows.map((column) => column.name)).not.toContain("prev_hash");
    const keys = await sql<{ name: string }>`select name from system_keys`.execute(database.db);
    expect(keys.rows.map((key) => key.name)).not.toContain("audit-signing-key");

    expect((await audit.checkpoint())!.size).toBe(38);
    await audit.append({ actor: "cli", action: "test.after_migration" });
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 39 });
    const proof = await audit.prove(5);
    expect(
      checkInclusionIndependently({
        leafInput: proof.leaf_input,
        index: proof.leaf_index,
        path: proof.inclusion_path,
        checkpoint: proof.checkpoint,
        publicKey: audit.verifierKey!,
      }),
    ).toEqual({ size: 39 });
    await audit.close();
  }, 120_000);

  it("[SEC-4] a broken chain is migrated whole and its first bad entry stays on record", async () => {
    await legacyDatabase(database, 12);
    await sql`update audit_entries set actor = 'someone-else' where seq = 7`.execute(database.db);
    await migrateTo0900(database.db as unknown as Kysely<unknown>);
    const audit = auditLog();
    const entries = await audit.entries({ limit: 1000 });
    expect(entries).toHaveLength(13);
    expect(entries[6]!.actor).toBe("someone-else");
    expect(entries[12]!.metadata).toMatchObject({
      legacy_chain: "broken",
      legacy_first_bad_entry: 7,
      legacy_problem: "hash_mismatch",
    });
    await audit.close();
  }, 120_000);
});
