// `custodian backup restore` (OWN-4, PLAT-3): checks the whole archive first and writes nothing unless
// it checks out; then marks the target unusable, loads the snapshot, replays the ledger of destroyed
// keys, writes the blobs the restored rows still name, brings the schema up to date and only then
// removes the mark. An interrupted restore leaves the mark, which `openDatabase` refuses to serve.
import { StringDecoder } from "node:string_decoder";
import { sql } from "kysely";
import type { KeyLedger } from "../crypto/key-ledger.ts";
import {
  knownSchemaVersions,
  migrateSchema,
  openDatabase,
  restoreMarkerTable,
  type DatabaseTarget,
  type Db,
} from "../db/database.ts";
import type { BlobStore } from "../files/blob-store.ts";
import { ArchiveError, readArchive, verifyArchive, type ArchivePart } from "./backup-archive.ts";
import { blobPart, tablePart } from "./backup-create.ts";
import { blobKeys, insertRows, resetSequences, type SnapshotQuery } from "./database-dump.ts";
import { removeBlobs, replayLedger } from "./ledger-replay.ts";

export interface RestoreOptions {
  file: string;
  masterKey: Buffer;
  target: DatabaseTarget;
  blobs: BlobStore;
  ledger: KeyLedger;
  replace: boolean;
  progress?: (done: string) => void;
}

export interface RestoreSummary {
  archiveId: string;
  schemaVersion: string;
  rows: number;
  blobs: number;
  /** Objects deleted after the backup (or before it, still in it): destroyed again from the ledger. */
  destroyed: number;
}

const rowsPerInsert = 500;

/** Whether the target holds an installation's data (an organisation other than the hidden probe ones). */
async function holdsData(db: Db): Promise<boolean> {
  const { rows } = await sql<{ present: string | null; marker: string | null }>`
    select to_regclass('organizations')::text as present, to_regclass(${restoreMarkerTable})::text as marker`.execute(
    db,
  );
  if (!rows[0]?.present || rows[0].marker) return false;
  const found = await sql<{ id: string }>`
    select id from organizations o where coalesce((to_jsonb(o)->>'internal')::boolean, false) = false limit 1`.execute(
    db,
  );
  return found.rows.length > 0;
}

/** A table part's rows, inserted in slices as they stream (a row may span frames). */
async function loadTable(db: Db, table: string, part: ArchivePart): Promise<number> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let batch: string[] = [];
  let count = 0;
  for await (const chunk of part.chunks) {
    const lines = (rest + decoder.write(chunk)).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") continue;
      batch.push(line);
      if (batch.length >= rowsPerInsert) {
        await insertRows(db, table, batch);
        count += batch.length;
        batch = [];
      }
    }
  }
  rest += decoder.end();
  if (rest !== "") batch.push(rest);
  await insertRows(db, table, batch);
  return count + batch.length;
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreSummary> {
  const { file, masterKey, target, blobs, ledger } = options;
  // 1. The whole archive, checked before anything is written.
  const { header } = await verifyArchive(file, masterKey);
  const known = await knownSchemaVersions();
  if (!known.includes(header.schemaVersion))
    throw new ArchiveError(
      `This backup's schema (${header.schemaVersion}) is newer than this Custodian knows (up to ` +
        `${known[known.length - 1]}): restore it with the version that made it, or a newer one.`,
    );
  options.progress?.("archive verified");
  const db = await openDatabase(target, { migrate: false });
  try {
    if (!options.replace && (await holdsData(db)))
      throw new ArchiveError(
        "The target database already holds data: give --replace to overwrite it with the backup.",
      );
    // 2. Mark and empty the target in one transaction: from here until the end it is not served.
    await db.transaction().execute(async (transaction) => {
      await sql`drop schema public cascade`.execute(transaction);
      await sql`create schema public`.execute(transaction);
      await sql`create table ${sql.raw(restoreMarkerTable)} (archive text not null, started_at timestamptz not null default now())`.execute(
        transaction,
      );
      await sql`insert into ${sql.raw(restoreMarkerTable)} (archive) values (${header.archiveId})`.execute(
        transaction,
      );
    });
    // 3. The schema as the backup knew it, then its rows.
    await migrateSchema(db, header.schemaVersion);
    const entries = ledger.entries();
    let rows = 0;
    let blobCount = 0;
    let destroyed = 0;
    let wanted: Set<string> | null = null;
    const reader = readArchive(file, masterKey);
    let loading: Promise<void> | null = null;
    let finishLoad: ((error?: unknown) => void) | null = null;
    // The rows load in one transaction (foreign keys checked by the data's own consistency, not row by row).
    let transactionDb: Db | null = null;
    const began = new Promise<void>((ready) => {
      loading = db.transaction().execute(async (transaction) => {
        await sql`set local session_replication_role = replica`.execute(transaction);
        transactionDb = transaction;
        ready();
        await new Promise<void>((resolve, reject) => {
          finishLoad = (error) => (error ? reject(error as Error) : resolve());
        });
        await resetSequences(transaction);
        await sql`set local session_replication_role = origin`.execute(transaction);
        const replayed = await replayLedger(transaction, entries);
        destroyed = replayed.rows;
        await removeBlobs(blobs, replayed.blobs);
        const query: SnapshotQuery = async (text) => (await sql.raw(text).execute(transaction)).rows;
        wanted = new Set(await blobKeys(query));
      });
    });
    await began;
    try {
      for (;;) {
        const next = await reader.next();
        if (next.done) break;
        const part = next.value;
        if (part.name.startsWith(tablePart)) {
          rows += await loadTable(transactionDb!, part.name.slice(tablePart.length), part);
          options.progress?.(part.name);
          continue;
        }
        if (finishLoad) {
          (finishLoad as (error?: unknown) => void)();
          finishLoad = null;
          await loading;
        }
        const key = part.name.slice(blobPart.length);
        if (part.name.startsWith(blobPart) && (wanted as Set<string> | null)?.has(key)) {
          await blobs.write(key, part.chunks);
          blobCount += 1;
          options.progress?.(part.name);
        }
      }
      if (finishLoad) {
        (finishLoad as (error?: unknown) => void)();
        finishLoad = null;
      }
      await loading;
    } catch (error) {
      if (finishLoad) (finishLoad as (error?: unknown) => void)(error);
      await (loading as Promise<void> | null)?.catch(() => undefined);
      throw error;
    }
    // 4. Migrations written since the backup, then the mark goes: the database may be served.
    await migrateSchema(db);
    await sql`drop table ${sql.raw(restoreMarkerTable)}`.execute(db);
    return {
      archiveId: header.archiveId,
      schemaVersion: header.schemaVersion,
      rows,
      blobs: blobCount,
      destroyed,
    };
  } finally {
    await db.destroy();
  }
}
