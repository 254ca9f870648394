// The one raw scanner every at-rest proof and live trust probe uses (SEC-1, API-1, API-2, OWN-4, OWN-3,
// fine-tuning): it reads the raw bytes of the database's files (heap, indexes, TOAST, free space, and always the WAL:
// PGlite's data directory, or the server's base/<database> and pg_wal), of directories (the data
// directory, the blob store, temporary directories the process used) and of captured log output, and
// says where each needle's bytes were found. Needles are bytes, compared as bytes.
//
// A scan proves nothing unless it could have found something, so each scan first plants a plaintext
// canary in every place it reads (a row, checkpointed so the heap holds it and committed so the WAL
// does; a file in each directory; a line in the log) and fails unless it finds every one. A file or
// directory it cannot read fails the scan; only a file that vanished between listing and reading (a
// WAL segment retired meanwhile) is passed over, and when the segment holding the canary row was
// retired by other work (each erasure switches segments), the whole scan is taken again.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { isEmbedded, type Db } from "../db/database.ts";

export interface RawScanSources {
  db: Db;
  /** PGlite's directory (`<data dir>/pgdata`) when the database is embedded; unused on a server. */
  pgliteDir?: string | null;
  /** Directories scanned whole: the data directory, the blob store, temporary directories. */
  directories?: readonly string[];
  /**
   * Temporary files the process used: every entry of `root` (the system's temporary directory) whose
   * name starts with one of `prefixes`, read whole.
   */
  temp?: { root: string; prefixes: readonly string[] };
  /** Captured log output, and a way to write a line into it (for the canary). */
  log?: { read(): string; write(line: string): void };
}

export type Needles = Record<string, Buffer | string>;

export interface RawScanResult {
  /** Per needle's name, the places its bytes were found (file paths, or "log"). */
  found: Record<string, string[]>;
  files: number;
  walFiles: number;
}

const asBytes = (needle: Buffer | string) =>
  typeof needle === "string" ? Buffer.from(needle, "utf8") : needle;

function walk(directory: string, into: Set<string>): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) walk(full, into);
    else if (entry.isFile()) into.add(full);
    // Sockets, links and the like hold no data of their own.
  }
}

/** Bytes read from a file at a time: a 16 MiB WAL segment read whole stayed in memory until collected. */
const chunkBytes = 1 << 20;

/**
 * Which of `needles` the file holds, read through `buffer` (reused from file to file) in chunks that
 * overlap by one byte less than the longest needle, so a needle across a chunk boundary is found too.
 * Null when the file vanished before it could be opened (a WAL segment retired meanwhile).
 */
export function fileHolds(file: string, needles: readonly Buffer[], buffer: Buffer): boolean[] | null {
  const overlap = Math.max(0, ...needles.map((needle) => needle.length - 1));
  if (buffer.length <= overlap) throw new Error("raw scan: the read buffer is shorter than a needle");
  let descriptor: number;
  try {
    descriptor = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw cannotRead(file, error);
  }
  try {
    const held = needles.map(() => false);
    let carried = 0;
    for (;;) {
      const read = readSync(descriptor, buffer, carried, buffer.length - carried, null);
      if (read === 0) return held;
      const end = carried + read;
      const chunk = buffer.subarray(0, end);
      needles.forEach((needle, index) => {
        if (!held[index] && chunk.indexOf(needle) !== -1) held[index] = true;
      });
      carried = Math.min(overlap, end);
      buffer.copyWithin(0, end - carried, end);
    }
  } catch (error) {
    throw cannotRead(file, error);
  } finally {
    closeSync(descriptor);
  }
}

const cannotRead = (file: string, error: unknown) =>
  new Error(`raw scan cannot read ${file}: ${(error as Error).message}`, { cause: error });

/** The database's own directories: [heap directory, WAL directory]. */
async function databaseDirectories(source: RawScanSources): Promise<[string, string]> {
  if (isEmbedded(source.db)) {
    const dir = source.pgliteDir;
    if (!dir || dir.startsWith("memory://"))
      throw new Error(
        "raw scan: an embedded database in memory has no files to scan; give it a data directory",
      );
    return [path.join(dir, "base"), path.join(dir, "pg_wal")];
  }
  const result = await sql<{ data_directory: string; oid: number }>`
    select current_setting('data_directory') as data_directory,
           (select oid from pg_database where datname = current_database())::int as oid`.execute(source.db);
  const row = result.rows[0]!;
  return [path.join(row.data_directory, "base", String(row.oid)), path.join(row.data_directory, "pg_wal")];
}

/**
 * Scan everything `sources` names for `needles`. Throws when a place cannot be read or its canary is
 * not found there.
 */
export async function rawScan(sources: RawScanSources, needles: Needles): Promise<RawScanResult> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await scanOnce(sources, needles);
    } catch (error) {
      if (!(error instanceof CanaryNotInWal) || attempt === maxAttempts) throw error;
      // Give writes still on their way to the files (the embedded database's thread) time to land.
      await sleep(250 * attempt);
    }
  }
}

/**
 * The canary row was not found in the WAL. Other work retires WAL too (each erasure switches segments,
 * here or in another session), and the embedded database's writes reach its files from another thread:
 * the scan proved nothing, so it is taken again, and fails only when every attempt missed the canary.
 */
class CanaryNotInWal extends Error {
  constructor(walDir: string, retired: boolean) {
    super(
      retired
        ? "raw scan: the WAL segment holding the canary row was retired during every attempt"
        : `raw scan: the canary row is not in the WAL (${walDir}) in any of ${maxAttempts} attempts`,
    );
  }
}
const maxAttempts = 5;

async function scanOnce(sources: RawScanSources, needles: Needles): Promise<RawScanResult> {
  const canary = `custodian-raw-scan-canary-${randomBytes(12).toString("hex")}`;
  const canaryBytes = Buffer.from(canary);
  const [heapDir, walDir] = await databaseDirectories(sources);

  // The database's canary: committed (so the WAL holds it) and checkpointed (so a heap file does).
  await sql`create table if not exists raw_scan_canary (canary bytea not null)`.execute(sources.db);
  const walSegment = async () =>
    (await sql<{ name: string }>`select pg_walfile_name(pg_current_wal_lsn()) as name`.execute(sources.db))
      .rows[0]!.name;
  // The row lands in a segment from `before` to `after`; when another session switched segments in
  // between, the segment that holds it is not known and may be retired by the checkpoint below.
  const before = await walSegment();
  await sql`insert into raw_scan_canary (canary) values (${canaryBytes})`.execute(sources.db);
  const after = await walSegment();
  await sql`checkpoint`.execute(sources.db);
  const directories = sources.directories ?? [];
  const planted = directories.map((directory) => {
    const file = path.join(directory, `raw-scan-canary-${randomBytes(6).toString("hex")}`);
    writeFileSync(file, canary);
    return file;
  });
  const temp = sources.temp;
  if (temp) {
    if (temp.prefixes.length === 0) throw new Error("raw scan: temporary files need a name prefix");
    const file = path.join(temp.root, `${temp.prefixes[0]}raw-scan-canary-${randomBytes(6).toString("hex")}`);
    writeFileSync(file, canary);
    planted.push(file);
  }
  sources.log?.write(canary);

  try {
    const files = new Set<string>();
    const walFiles = new Set<string>();
    walk(heapDir, files);
    walk(walDir, walFiles);
    for (const directory of directories) walk(directory, files);
    if (temp) {
      for (const entry of readdirSync(temp.root, { withFileTypes: true })) {
        if (!temp.prefixes.some((prefix) => entry.name.startsWith(prefix))) continue;
        const full = path.join(temp.root, entry.name);
        if (entry.isDirectory()) walk(full, files);
        else if (entry.isFile()) files.add(full);
      }
    }
    for (const file of walFiles) files.add(file);

    const found: Record<string, string[]> = {};
    const wanted = Object.entries(needles).map(([name, needle]) => [name, asBytes(needle)] as const);
    for (const [name, bytes] of wanted) {
      if (bytes.length < 8) throw new Error(`raw scan: needle ${name} is too short to mean anything`);
      found[name] = [];
    }
    const canaryIn = new Set<string>();
    let walVanished = false;
    const sought = [canaryBytes, ...wanted.map(([, needle]) => needle)];
    const buffer = Buffer.allocUnsafe(Math.max(chunkBytes, 2 * Math.max(...sought.map((b) => b.length))));
    for (const file of files) {
      const held = fileHolds(file, sought, buffer);
      if (held === null) {
        walVanished ||= walFiles.has(file);
        continue;
      }
      if (held[0]) canaryIn.add(file);
      wanted.forEach(([name], index) => {
        if (held[index + 1]) found[name]!.push(file);
      });
    }
    if (sources.log) {
      const log = Buffer.from(sources.log.read(), "utf8");
      if (log.indexOf(canaryBytes) === -1) throw new Error("raw scan: the log's canary was not found");
      for (const [name, needle] of wanted) if (log.indexOf(needle) !== -1) found[name]!.push("log");
    }

    // The positive controls: the canary is found in the WAL, in a heap file, and in each directory.
    const inside = (directory: string) => [...canaryIn].some((file) => file.startsWith(directory + path.sep));
    if (walFiles.size === 0) throw new Error(`raw scan: no WAL segment in ${walDir}`);
    if (!inside(walDir)) {
      const retired = before !== after || !existsSync(path.join(walDir, after));
      throw new CanaryNotInWal(walDir, walVanished || retired);
    }
    if (!inside(heapDir)) throw new Error(`raw scan: the canary row is in no heap file (${heapDir})`);
    for (const file of planted) {
      if (!canaryIn.has(file)) throw new Error(`raw scan: the canary file ${file} was not read`);
    }
    return { found, files: files.size, walFiles: walFiles.size };
  } finally {
    for (const file of planted) rmSync(file, { force: true });
    // The canary row goes too (a live probe leaves nothing behind); its old bytes are random.
    await sql`delete from raw_scan_canary where canary = ${canaryBytes}`.execute(sources.db);
  }
}

/** Only the needles found somewhere, for `expect(...).toEqual({})`. */
export function foundAnywhere(result: RawScanResult): Record<string, string[]> {
  return Object.fromEntries(Object.entries(result.found).filter(([, places]) => places.length > 0));
}

/**
 * The rows of `tables` whose values hold a needle: bytea compared as bytes, text as its UTF-8 bytes,
 * anything else as its JSON (never bytea through JSON, which would turn it into numbers).
 */
export async function rowsContaining(
  db: Db,
  tables: readonly string[],
  needles: Needles,
): Promise<Record<string, string[]>> {
  const wanted = Object.entries(needles).map(([name, needle]) => [name, asBytes(needle)] as const);
  const found: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const bytes = Buffer.isBuffer(value)
          ? value
          : Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8");
        for (const [name, needle] of wanted) {
          if (bytes.indexOf(needle) !== -1) (found[name] ??= []).push(`${table}.${column}`);
        }
      }
    }
  }
  return found;
}
