// Opens the database: embedded PGlite in the data directory by default, a PostgreSQL server when
// configured, which many stateless nodes share (PLAT-3).
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Kysely, PostgresDialect, sql } from "kysely";
import { Migrator, type Migration, type MigrationProvider } from "kysely/migration";
import pg from "pg";
import { databaseTls } from "../config/transport.ts";
import {
  migrationFiles,
  migrationsDir,
  newEmbeddedDatabase,
  pgliteDirectory,
  takeEarlyStart,
  type EmbeddedTarget,
} from "./embedded-database.ts";
import type { PGliteThreadDialect } from "./pglite-thread.ts";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;

const embedded = new WeakMap<Db, PGliteThreadDialect>();

/**
 * Whether this is the embedded database: one session, used by this process alone (the data
 * directory's lock sees to that). Work that would take a second connection must not, here.
 */
export function isEmbedded(db: Db): boolean {
  return embedded.has(db);
}

const int8 = 20;

/**
 * Every file in db/migrations, by name (without extension), applied in name order. A domain adds its
 * tables with a new file; names start with a number so the order is the order of writing.
 */
class FolderMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of migrationFiles()) {
      migrations[file.slice(0, -3)] = (await import(
        pathToFileURL(path.join(migrationsDir, file)).href
      )) as Migration;
    }
    return migrations;
  }
}

export interface DatabaseTarget extends EmbeddedTarget {
  /** A postgres:// URL, or null for embedded PGlite. */
  url: string | null;
  /** PEM file of the CA that signs the server's certificate: TLS, verified. */
  caFile?: string | null;
}

export function databaseTarget(config: {
  databaseUrl: string | null;
  dataDir: string;
  databaseCaFile?: string | null;
}): DatabaseTarget {
  return {
    url: config.databaseUrl,
    pgliteDir: pgliteDirectory(config.dataDir),
    caFile: config.databaseCaFile ?? null,
  };
}

/** A new connection that takes longer than this fails, so requests fail fast while the server is away. */
const connectTimeoutMs = 2_000;

/**
 * How node-postgres reaches the server. TLS settings are taken out of the URL and given as `ssl`,
 * because pg lets a URL's own TLS settings replace the `ssl` option, CA and all. What TLS a URL gets
 * is SEC-2's rule (databaseTls): to another host always TLS with the chain and the host name verified,
 * whatever `sslmode` says (plain text there is refused); on this machine TLS when `sslmode` or a CA
 * file asks for it, verified (`require` verifies too: TLS that accepts any certificate stops no one
 * in the middle). A server without TLS is then an error, never a silent fall back to plain text.
 */
export function postgresConnection(
  url: string,
  caFile: string | null = null,
): {
  connectionString: string;
  ssl: false | { ca?: string; rejectUnauthorized: true; checkServerIdentity?: () => undefined };
} {
  const tls = databaseTls(url, { caFile: caFile !== null });
  const parsed = new URL(url);
  const rootCert = parsed.searchParams.get("sslrootcert");
  for (const name of ["sslmode", "sslrootcert", "sslcert", "sslkey", "ssl", "uselibpqcompat"]) {
    parsed.searchParams.delete(name);
  }
  const connectionString = parsed.toString();
  if (tls === "none") return { connectionString, ssl: false };
  const caPath = caFile ?? rootCert;
  return {
    connectionString,
    ssl: {
      ...(caPath ? { ca: readFileSync(caPath, "utf8") } : {}),
      rejectUnauthorized: true,
      // verify-ca (on this machine only): the chain is checked, the host name is not (as in libpq).
      ...(tls === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    },
  };
}

/** Open the database and bring its schema up to date (a restore opens it as it is: `migrate: false`). */
export async function openDatabase(target: DatabaseTarget, options: { migrate?: boolean } = {}): Promise<Db> {
  const migrated = options.migrate !== false;
  let db: Db;
  if (target.url) {
    const types = {
      getTypeParser: (oid: number, format?: "text" | "binary") =>
        oid === int8 ? Number : pg.types.getTypeParser(oid, format),
    };
    const pool = new pg.Pool({
      ...postgresConnection(target.url, target.caFile ?? null),
      max: 10,
      connectionTimeoutMillis: connectTimeoutMs,
      types: types as pg.CustomTypesConfig,
    });
    // An idle connection the server closes (a restart, an administrator) must not crash the process:
    // the pool drops it, and the next query opens a new one or fails with its own error.
    pool.on("error", () => undefined);
    // The same for a connection checked out but between queries (a lock held for a periodic task, a
    // transaction awaiting other work): pg emits its socket error on the client itself, and with no
    // listener that would end the process. Its next query fails instead, as a lost connection (503).
    pool.on("connect", (client) => client.on("error", () => undefined));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    // `custodian serve` may have started this very database while the program loaded (early-serve.ts).
    const opened = (await takeEarlyStart(target, migrated)) ?? newEmbeddedDatabase(target, migrated);
    db = opened.db;
    embedded.set(db, opened.dialect);
  }
  try {
    if (migrated) {
      await migrate(db);
      await saveMigratedTemplate(db);
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * A new embedded database just migrated, not from the migrated template: saved as that template, so the
 * next new database skips initdb and the migrations. Nothing but the migrations has written to it yet
 * (openDatabase has not returned it), so it holds no organisation, key or setting. A failure to save
 * only costs the next start time.
 */
async function saveMigratedTemplate(db: Db): Promise<void> {
  const driver = embedded.get(db)?.driver;
  const file = driver?.templates.migrated;
  if (!driver || !file || (driver.origin !== "initdb" && driver.origin !== "initdb-template")) return;
  await driver.saveTemplate(file).catch(() => undefined);
}

/** The embedded database's dialect, or null on PostgreSQL (a backup's snapshot session needs it). */
export function embeddedDialect(db: Db): PGliteThreadDialect | null {
  return embedded.get(db) ?? null;
}

/** The newest schema version this binary knows: its last migration's name. */
export async function latestSchemaVersion(): Promise<string> {
  const names = await knownSchemaVersions();
  return names[names.length - 1]!;
}

/** Every schema version this binary knows, oldest first: its migration files' names. */
export async function knownSchemaVersions(): Promise<string[]> {
  return migrationFiles().map((file) => file.slice(0, -3));
}

/** The table a restore creates first and drops last: while it exists the database is not to be served. */
export const restoreMarkerTable = "custodian_restore_incomplete";

/**
 * Refuses a database a restore left unfinished, or one made by a newer Custodian than this one; true
 * when a migration of this version is still to be applied.
 */
async function checkServable(db: Db): Promise<boolean> {
  const { rows } = await sql<{ marker: string | null; migrations: string | null }>`
    select to_regclass(${restoreMarkerTable})::text as marker,
           to_regclass('kysely_migration')::text as migrations`.execute(db);
  if (rows[0]?.marker)
    throw new Error(
      "This database is marked unusable: a restore into it did not finish. Run " +
        "`custodian backup restore --from FILE --replace` again.",
    );
  if (!rows[0]?.migrations) return true;
  const known = new Set(await knownSchemaVersions());
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  const unknown = applied.rows.filter((row) => !known.has(row.name)).map((row) => row.name);
  if (unknown.length > 0)
    throw new Error(
      `This database's schema is newer than this Custodian knows (it has ${unknown.join(", ")}; this ` +
        `version knows up to ${await latestSchemaVersion()}). Run the newer Custodian that made it.`,
    );
  return applied.rows.length < known.size;
}

/** Bring the schema up to date, refusing a database that is not to be served (see checkServable). */
export async function migrate(db: Db): Promise<void> {
  // A database already at this version (every restart) skips the migrator, which would load every
  // migration file and take its lock only to find nothing to do.
  if (await checkServable(db)) await migrateSchema(db);
}

/** Bring the schema to `version` (a migration's name), or to the latest; a restore calls it directly. */
export async function migrateSchema(db: Db, version?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new FolderMigrations() });
  const { error } = version ? await migrator.migrateTo(version) : await migrator.migrateToLatest();
  if (error) throw error;
}
