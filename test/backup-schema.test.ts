// Upgrades and unusable databases (OWN-4): a backup made by an older schema restores into this one and
// is migrated forward; a database made by a newer Custodian, or one a restore left unfinished, is
// refused at start with a message that says what to do.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, expect, it } from "vitest";
import type { AuditLog } from "../src/audit/audit-log.ts";
import { createBackup } from "../src/backup/backup-create.ts";
import { restoreBackup } from "../src/backup/backup-restore.ts";
import { KeyLedger } from "../src/crypto/key-ledger.ts";
import { latestSchemaVersion, migrateSchema, openDatabase, restoreMarkerTable } from "../src/db/database.ts";
import { LocalBlobStore } from "../src/files/local-blob-store.ts";
import { freshDatabase } from "./helpers/backup-fixture.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const olderVersion = "0970-responses";

it("[OWN-4] a backup from an older schema restores into this version and is migrated forward", async () => {
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-backup-schema-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const source = await freshDatabase();
  const target = await freshDatabase();
  cleanups.push(source.drop, target.drop);
  const db = await openDatabase({ url: source.url, pgliteDir: "" }, { migrate: false });
  await migrateSchema(db, olderVersion);
  await sql`insert into organizations (id, name) values ('org_older', 'Older')`.execute(db);
  const masterKey = randomBytes(32);
  const audit = { append: async () => 0 } as unknown as AuditLog;
  const file = path.join(directory, "older.cbk");
  const blobs = new LocalBlobStore(path.join(directory, "blobs"));
  const created = await createBackup({ db, blobs, masterKey, audit }, file, "test");
  await db.destroy();
  expect(created.schemaVersion).toBe(olderVersion);

  const restored = await restoreBackup({
    file,
    masterKey,
    target: { url: target.url, pgliteDir: "" },
    blobs,
    ledger: new KeyLedger(path.join(directory, "ledger")),
    replace: false,
  });
  expect(restored.schemaVersion).toBe(olderVersion);
  const after = await openDatabase({ url: target.url, pgliteDir: "" });
  const { rows } = await sql<{ name: string }>`select max(name) as name from kysely_migration`.execute(after);
  expect(rows[0]!.name).toBe(await latestSchemaVersion());
  const orgs = await sql<{ name: string }>`select name from organizations where id = 'org_older'`.execute(
    after,
  );
  expect(orgs.rows.map((row) => row.name)).toEqual(["Older"]);
  await after.destroy();
}, 600_000);

it("[OWN-4] a newer schema than this binary knows, or an unfinished restore, is refused at start", async () => {
  const database = await freshDatabase();
  cleanups.push(database.drop);
  const target = { url: database.url, pgliteDir: "" };
  const db = await openDatabase(target);
  await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', now()::text)`.execute(
    db,
  );
  await db.destroy();
  await expect(openDatabase(target)).rejects.toThrow(/newer than this Custodian knows.*9999-from-the-future/);

  const marked = await openDatabase(target, { migrate: false });
  await sql`delete from kysely_migration where name = '9999-from-the-future'`.execute(marked);
  await sql`create table ${sql.raw(restoreMarkerTable)} (archive text)`.execute(marked);
  await marked.destroy();
  await expect(openDatabase(target)).rejects.toThrow(/marked unusable: a restore into it did not finish/);
}, 300_000);
