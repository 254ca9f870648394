// SEC-1, API-1, API-2, OWN-4: what the live probes scan for their canaries. The installation's own raw
// storage: the database's files and WAL (embedded PGlite's directory, or a PostgreSQL server's when this
// process can read them), the local blob store and the process's own log output (its in-memory tail),
// with the raw scanner's positive controls. Where a server's files are out of reach, every table's rows
// are read instead, and the log tail on its own; the result says so.
import { existsSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { logTailOf } from "../../core/log-tail.ts";
import { databaseTarget, isEmbedded } from "../../db/database.ts";
import { rawScan, rowsContaining, type Needles, type RawScanSources } from "../../privacy/raw-scan.ts";
import type { ProbeContext } from "../probe.ts";

export interface StorageScan {
  /** Per needle's name, where its bytes were found. */
  found: Record<string, string[]>;
  /** What was scanned, in words. */
  scanned: string;
}

async function allTables(context: Pick<ProbeContext, "db">): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(context.db);
  return result.rows.map((row) => row.name);
}

/** Scan the installation's storage for `needles`; throws when a place cannot be read. */
export async function scanStorage(
  context: Pick<ProbeContext, "db" | "config" | "logger">,
  needles: Needles,
): Promise<StorageScan> {
  const { config, db } = context;
  const blobs = path.join(config.dataDir, "blobs");
  const directories = config.blobStore.kind === "local" && existsSync(blobs) ? [blobs] : [];
  const tail = logTailOf(context.logger);
  // The canary goes straight into the tail: the positive control is that the scan reads what it holds.
  const log: RawScanSources["log"] = tail
    ? { read: () => tail.text(), write: (line) => tail.write(`${line}\n`) }
    : undefined;
  const logText = tail ? ", this process's log output" : ", no log output (a logger without a tail)";
  try {
    const result = await rawScan(
      { db, pgliteDir: isEmbedded(db) ? databaseTarget(config).pgliteDir : null, directories, log },
      needles,
    );
    return {
      found: result.found,
      scanned: `${result.files} raw files (database heap, ${result.walFiles} WAL segments${directories.length ? ", blob store" : ""})${logText}`,
    };
  } catch (error) {
    // A PostgreSQL server on another machine (or another user's files): read every row instead.
    if (isEmbedded(db)) throw error;
    const tables = await allTables(context);
    const found = await rowsContaining(db, tables, needles);
    for (const name of Object.keys(needles)) found[name] ??= [];
    if (tail) {
      const logged = Buffer.from(tail.text());
      for (const [name, needle] of Object.entries(needles)) {
        if (logged.indexOf(needle) !== -1) found[name]!.push("log");
      }
    }
    return {
      found,
      scanned: `every row of ${tables.length} tables (the server's files are not readable here)${logText}`,
    };
  }
}

/** The needles found somewhere, by name, each with the kinds of place: "log output", "files". */
export function foundNames(scan: StorageScan): string[] {
  return Object.entries(scan.found)
    .filter(([, places]) => places.length > 0)
    .map(([name, places]) => {
      const kinds = new Set(places.map((place) => (place === "log" ? "log output" : "files")));
      return `${name} in ${[...kinds].join(" and ")}`;
    });
}
