// The database half of a backup (OWN-4, PLAT-3): every table read as JSON rows from one consistent
// snapshot, and loaded back. JSON rows (`row_to_json`, `json_populate_recordset`) read and write the
// same on PGlite and on a PostgreSQL server, so an embedded backup restores onto a server and back.
import { CompiledQuery, sql } from "kysely";
import { embeddedDialect, type Db } from "../db/database.ts";

/** A query in the snapshot's session: its rows. */
export type SnapshotQuery = (text: string) => Promise<unknown[]>;

/** Tables a backup leaves out: Kysely's own bookkeeping, made anew by the migrations on restore. */
const skipped = new Set(["kysely_migration", "kysely_migration_lock"]);

const rowsPerFetch = 500;

export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Runs `work` in one consistent snapshot: on PostgreSQL a REPEATABLE READ, read-only transaction on a
 * connection of its own (the server keeps serving beside it); on PGlite a session held alone, which
 * other queries wait behind (the embedded database has one session).
 */
export async function withSnapshot<T>(db: Db, work: (query: SnapshotQuery) => Promise<T>): Promise<T> {
  const embedded = embeddedDialect(db);
  if (embedded) {
    if (!embedded.driver) throw new Error("the embedded database is not open");
    return embedded.driver.alone(work);
  }
  return db.connection().execute(async (connection) => {
    const query: SnapshotQuery = async (text) =>
      (await connection.executeQuery(CompiledQuery.raw(text))).rows;
    await query("begin isolation level repeatable read read only");
    try {
      const result = await work(query);
      await query("commit");
      return result;
    } catch (error) {
      await query("rollback").catch(() => undefined);
      throw error;
    }
  });
}

/** The schema's tables, by name (partitions are read through their parent). */
export async function tableNames(query: SnapshotQuery): Promise<string[]> {
  const rows = (await query(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
  )) as Array<{ name: string }>;
  return rows.map((row) => row.name).filter((name) => !skipped.has(name));
}

/** The schema version the snapshot's database is at: its newest applied migration. */
export async function schemaVersionOf(query: SnapshotQuery): Promise<string> {
  const rows = (await query(`select max(name) as name from kysely_migration`)) as Array<{ name: string }>;
  if (!rows[0]?.name) throw new Error("The database has no schema version.");
  return rows[0].name;
}

/** A table's rows as JSON lines, fetched through a cursor in slices: memory stays bounded. */
export async function* tableRows(query: SnapshotQuery, table: string): AsyncGenerator<string[]> {
  await query(
    `declare backup_rows no scroll cursor for select row_to_json(t)::text as j from ${quoteName(table)} t`,
  );
  try {
    for (;;) {
      const rows = (await query(`fetch forward ${rowsPerFetch} from backup_rows`)) as Array<{ j: string }>;
      if (rows.length === 0) return;
      yield rows.map((row) => row.j);
    }
  } finally {
    await query("close backup_rows");
  }
}

/** Every blob key the database references: each `blob_key` column of every table. */
export async function blobKeys(query: SnapshotQuery): Promise<string[]> {
  const tables = (await query(
    `select table_name as name from information_schema.columns
     where table_schema = 'public' and column_name = 'blob_key' order by table_name`,
  )) as Array<{ name: string }>;
  const keys = new Set<string>();
  for (const { name } of tables) {
    const rows = (await query(
      `select distinct blob_key as key from ${quoteName(name)} where blob_key is not null`,
    )) as Array<{ key: string }>;
    for (const row of rows) keys.add(row.key);
  }
  return [...keys].sort();
}

/** The columns a row may be written to (generated columns are computed, never written). */
async function writableColumns(db: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select attname as name from pg_attribute
    where attrelid = ${quoteName(table)}::regclass and attnum > 0 and not attisdropped and attgenerated = ''
    order by attnum`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * What writes JSON rows into a table (in the restore's transaction), ids and identity values as they
 * were; the table's columns are looked up once, not for every slice of rows.
 */
export async function rowInserter(
  db: Db,
  table: string,
): Promise<(rows: readonly string[]) => Promise<void>> {
  const columns = sql.raw((await writableColumns(db, table)).map(quoteName).join(", "));
  const name = sql.raw(quoteName(table));
  return async (rows) => {
    if (rows.length === 0) return;
    await sql`insert into ${name} (${columns}) overriding system value
      select ${columns} from json_populate_recordset(null::${name}, ${`[${rows.join(",")}]`}::json)`.execute(
      db,
    );
  };
}

/** Moves every sequence past the values restored into its column, so new rows get new ids. */
export async function resetSequences(db: Db): Promise<void> {
  const { rows } = await sql<{ table: string; column: string }>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = 'public' and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(db);
  for (const { table, column } of rows) {
    await sql`select setval(pg_get_serial_sequence(${quoteName(table)}, ${column}),
      coalesce((select max(${sql.ref(column)}) from ${sql.raw(quoteName(table))}), 0) + 1, false)`.execute(
      db,
    );
  }
}
