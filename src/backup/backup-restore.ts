// `custodian backup restore` (OWN-4, PLAT-3), in one pass over the archive: a foreign or wrongly keyed
// archive, or one of a newer schema, is refused on its header, before anything is written. Then the
// target is marked unusable (the mark alone is committed), and one transaction empties it, loads the
// snapshot, replays the ledger of destroyed keys, writes the blobs the restored rows still name and
// brings the schema up to date while every frame is checked as it is read; it commits only once the
// manifest has checked out. A corrupt or truncated archive rolls it back: the database is as it was,
// the blobs this restore added are removed, and the mark goes. After the commit, the blobs of the
// destroyed keys are removed and then the mark goes. An interrupted restore leaves the mark, which
// `openDatabase` refuses to serve, over the target's old data or the restored data.
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
import { ArchiveError, readArchive, readArchiveHeader, type ArchivePart } from "./backup-archive.ts";
import { blobPart, tablePart } from "./backup-create.ts";
import {
  blobKeys,
  resetSequences,
  rowInserters,
  type RowInserter,
  type SnapshotQuery,
} from "./database-dump.ts";
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

const rowsPerInsert = 2000;

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
async function loadTable(insert: RowInserter, part: ArchivePart): Promise<number> {
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
        await insert(batch);
        count += batch.length;
        batch = [];
      }
    }
  }
  rest += decoder.end();
  if (rest !== "") batch.push(rest);
  await insert(batch);
  return count + batch.length;
}

/**
 * The items of `source`, each next one asked for as soon as the last is handed out: the next frame is
 * read and opened while the caller writes this one. A failure ahead is reported when it is reached.
 * (Gathering frames into 4 MiB writes was tried: it cost more system time than the calls it saved.)
 */
async function* readingAhead<T>(source: AsyncIterator<T>): AsyncGenerator<T> {
  let next = source.next();
  for (;;) {
    const item = await next;
    if (item.done) return;
    next = source.next();
    next.catch(() => undefined);
    yield item.value;
  }
}

/** Marks the target unusable, alone in a transaction; whether it was marked already (an earlier restore cut short). */
async function mark(db: Db, archiveId: string): Promise<boolean> {
  return db.transaction().execute(async (transaction) => {
    const { rows } = await sql<{ marker: string | null }>`
      select to_regclass(${restoreMarkerTable})::text as marker`.execute(transaction);
    await createMark(transaction, archiveId);
    return Boolean(rows[0]?.marker);
  });
}

async function createMark(db: Db, archiveId: string): Promise<void> {
  await sql`create table if not exists ${sql.raw(restoreMarkerTable)} (archive text not null, started_at timestamptz not null default now())`.execute(
    db,
  );
  await sql`insert into ${sql.raw(restoreMarkerTable)} (archive) values (${archiveId})`.execute(db);
}

interface Loaded {
  rows: number;
  blobs: number;
  destroyed: number;
  /** Blobs of rows the ledger destroyed: removed once the load is committed. */
  doomedBlobs: string[];
}

/**
 * Once the rows are in (tables come before blobs): sequences past them, foreign keys checked again, the
 * ledger's objects destroyed. Returns the blob keys the rows left still name.
 */
async function afterRows(db: Db, ledger: KeyLedger, loaded: Loaded): Promise<Set<string>> {
  await resetSequences(db);
  await sql`set local session_replication_role = origin`.execute(db);
  const replayed = await replayLedger(db, ledger.entries());
  loaded.destroyed = replayed.rows;
  loaded.doomedBlobs = replayed.blobs;
  const query: SnapshotQuery = async (text) => (await sql.raw(text).execute(db)).rows;
  return new Set(await blobKeys(query));
}

/**
 * The archive read once, into one transaction: the target emptied, the schema as the backup knew it,
 * the rows, the ledger replayed, the blobs the rows name, the migrations since. Throws (and the
 * transaction rolls back) on any fault of the archive; `added` collects the blobs written that the
 * store did not hold before, for the caller to remove if it does.
 */
async function loadArchive(
  options: RestoreOptions,
  db: Db,
  schemaVersion: string,
  archiveId: string,
  added: string[],
): Promise<Loaded> {
  const { blobs } = options;
  return db.transaction().execute(async (transaction) => {
    await sql`drop schema public cascade`.execute(transaction);
    await sql`create schema public`.execute(transaction);
    await createMark(transaction, archiveId);
    await migrateSchema(transaction, schemaVersion);
    // Foreign keys hold by the data's own consistency, not row by row.
    await sql`set local session_replication_role = replica`.execute(transaction);
    const loaded: Loaded = { rows: 0, blobs: 0, destroyed: 0, doomedBlobs: [] };
    let wanted: Set<string> | null = null;
    const inserter = await rowInserters(transaction);
    // The loop ends only once the manifest has checked out; leaving it early closes the archive.
    for await (const part of readArchive(options.file, options.masterKey)) {
      if (part.name.startsWith(tablePart)) {
        loaded.rows += await loadTable(inserter(part.name.slice(tablePart.length)), part);
        options.progress?.(part.name);
        continue;
      }
      wanted ??= await afterRows(transaction, options.ledger, loaded);
      const key = part.name.slice(blobPart.length);
      if (!part.name.startsWith(blobPart) || !wanted.has(key)) continue;
      if (!(await blobs.has(key))) added.push(key);
      await blobs.write(key, readingAhead(part.chunks));
      loaded.blobs += 1;
      options.progress?.(part.name);
    }
    // The whole archive checked out: the migrations written since.
    if (wanted === null) await afterRows(transaction, options.ledger, loaded);
    await migrateSchema(transaction);
    return loaded;
  });
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreSummary> {
  const { file, masterKey, target, blobs } = options;
  // 1. The header: a foreign, wrongly keyed or too new archive is refused before anything is written.
  const header = await readArchiveHeader(file, masterKey);
  const known = await knownSchemaVersions();
  if (!known.includes(header.schemaVersion))
    throw new ArchiveError(
      `This backup's schema (${header.schemaVersion}) is newer than this Custodian knows (up to ` +
        `${known[known.length - 1]}): restore it with the version that made it, or a newer one.`,
    );
  const db = await openDatabase(target, { migrate: false });
  try {
    if (!options.replace && (await holdsData(db)))
      throw new ArchiveError(
        "The target database already holds data: give --replace to overwrite it with the backup.",
      );
    // 2. The mark, committed: from here until the end the target is not served.
    const markedBefore = await mark(db, header.archiveId);
    const added: string[] = [];
    let loaded: Loaded;
    try {
      loaded = await loadArchive(options, db, header.schemaVersion, header.archiveId, added);
    } catch (error) {
      // Rolled back: the database is as it was; so are the blobs, and the mark goes unless it was there.
      await removeBlobs(blobs, added);
      // Should that fail too, the target stays marked, and the archive's fault is what is reported.
      if (!markedBefore)
        await sql`drop table if exists ${sql.raw(restoreMarkerTable)}`.execute(db).catch(() => undefined);
      throw error;
    }
    options.progress?.("archive verified");
    // 3. The blobs of destroyed keys, then the mark goes: the database may be served.
    await removeBlobs(blobs, loaded.doomedBlobs);
    await sql`drop table ${sql.raw(restoreMarkerTable)}`.execute(db);
    return {
      archiveId: header.archiveId,
      schemaVersion: header.schemaVersion,
      rows: loaded.rows,
      blobs: loaded.blobs,
      destroyed: loaded.destroyed,
    };
  } finally {
    await db.destroy();
  }
}
