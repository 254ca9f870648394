// The embedded database (PGlite on its own thread, pglite-thread.ts): its settings, the templates a new
// one starts from, and the early start that `custodian serve` asks for before the rest of the program
// loads (platform/early-serve.ts).
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { CompiledQuery, Kysely } from "kysely";
import { packageVersion, templateFiles } from "./template-files.ts";
import { PGliteThreadDialect } from "./pglite-thread.ts";
import type { Database } from "./schema.ts";

/** Where an embedded database lives, and where new ones find their templates. */
export interface EmbeddedTarget {
  /** Where PGlite keeps its files; "memory://" keeps them in memory. */
  pgliteDir: string;
  /** Where new embedded databases find their templates (pglite-template.ts); null for none. Default: the user's cache. */
  templateDirectory?: string | null;
}

/** Where the embedded database of the data directory `dataDir` keeps its files. */
export function pgliteDirectory(dataDir: string): string {
  return path.join(dataDir, "pgdata");
}

export interface EmbeddedDatabase {
  db: Kysely<Database>;
  dialect: PGliteThreadDialect;
}

/**
 * PostgreSQL settings of the embedded database. Shared buffers of 16 MB instead of 128: PGlite
 * touches all of them at start, and the embedded database serves a small team's data, so the
 * difference was 130 MB of resident memory for nothing (a busy installation runs on a PostgreSQL server).
 */
const embeddedConf = ["shared_buffers=16MB", "wal_recycle=off"];

export const migrationsDir = path.join(import.meta.dirname, "migrations");

/** The migration files' names, in the order they apply. */
export function migrationFiles(): string[] {
  return readdirSync(migrationsDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .sort();
}

/** Where new embedded databases find their templates: the user's cache; none for a user without a home. */
function userTemplateDirectory(): string | null {
  try {
    return path.join(homedir(), ".cache", "custodian", "pglite");
  } catch {
    return null;
  }
}

let migrationsHashMemo: string | null = null;

/**
 * What a migrated template is named by: every migration file's name and text, the version of Kysely
 * that turns them into SQL, and the embedded database's settings. Any change names a new template.
 */
function migrationsHash(): string {
  if (migrationsHashMemo) return migrationsHashMemo;
  const hash = createHash("sha256");
  hash.update(`kysely ${packageVersion("kysely")}`).update("\0");
  hash.update(embeddedConf.join("\n")).update("\0");
  for (const file of migrationFiles()) {
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(path.join(migrationsDir, file)))
      .update("\0");
  }
  migrationsHashMemo = hash.digest("hex").slice(0, 24);
  return migrationsHashMemo;
}

/**
 * The embedded database at `target`, not yet started: its thread starts at the first query. A restore
 * opens a new database unmigrated (`migrated: false`), to bring it to the backup's own version: it must
 * not start from the migrated template.
 */
export function newEmbeddedDatabase(
  target: EmbeddedTarget,
  migrated: boolean,
  compileInThread = false,
): EmbeddedDatabase {
  if (!target.pgliteDir.startsWith("memory://"))
    mkdirSync(target.pgliteDir, { recursive: true, mode: 0o700 });
  const directory =
    target.templateDirectory === undefined ? userTemplateDirectory() : target.templateDirectory;
  const templates =
    directory === null
      ? { initdb: null, migrated: null }
      : templateFiles(directory, migrated ? migrationsHash() : null);
  const dialect = new PGliteThreadDialect({
    dataDir: target.pgliteDir,
    postgresqlConf: embeddedConf,
    templates,
    compileInThread,
  });
  return { db: new Kysely<Database>({ dialect }), dialect };
}

let early: { pgliteDir: string; database: EmbeddedDatabase } | null = null;

/**
 * Starts the embedded database at `target` now, on its thread, for the next `takeEarlyStart` of the
 * same target. The caller must hold the data directory's lock. An early start that is never taken
 * costs nothing more: the database thread does not hold the process open (pglite-thread.ts).
 */
export function startEarly(target: EmbeddedTarget): void {
  // Its thread compiles PGlite itself: this thread is about to be busy loading the program.
  const database = newEmbeddedDatabase(target, true, true);
  // The first query starts the thread. A failure is not reported here: Kysely starts the thread again
  // at the next query, whose caller then sees the error.
  database.db.executeQuery(CompiledQuery.raw("select 1")).catch(() => undefined);
  early = { pgliteDir: target.pgliteDir, database };
}

/**
 * The database `startEarly` started, once, when it is the one at `target` and is to be migrated (a
 * restore opens its own); null otherwise. One started for anything else is closed first, so that the
 * same files are never open twice.
 */
export async function takeEarlyStart(
  target: EmbeddedTarget,
  migrated: boolean,
): Promise<EmbeddedDatabase | null> {
  const started = early;
  if (migrated && started?.pgliteDir === target.pgliteDir) {
    early = null;
    return started.database;
  }
  await abandonEarlyStart();
  return null;
}

/** Closes an early start that nothing took over, such as one of a start that failed before opening the database. */
export async function abandonEarlyStart(): Promise<void> {
  const started = early;
  early = null;
  await started?.database.db.destroy().catch(() => undefined);
}
