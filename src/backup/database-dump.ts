// The database half of a backup (OWN-4, PLAT-3): every table read as JSON rows from one consistent
// snapshot, and loaded back. JSON rows (`row_to_json`, `json_populate_recordset`) read and write the
// same on PGlite and on a PostgreSQL server, so an embedded backup restores onto a server and back.
import { CompiledQuery, sql } from "kysely";
import { embeddedDialect, type Db } from "../db/database.ts";
import { ArchiveError } from "./backup-archive.ts";

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

/** Every blob key the database references: each `blob_key` column of every table, in one query. */
export async function blobKeys(query: SnapshotQuery): Promise<string[]> {
  const tables = (await query(
    `select table_name as name from information_schema.columns
     where table_schema = 'public' and column_name = 'blob_key' order by table_name`,
  )) as Array<{ name: string }>;
  if (tables.length === 0) return [];
  const rows = (await query(
    tables
      .map(({ name }) => `select blob_key as key from ${quoteName(name)} where blob_key is not null`)
      .join(" union "),
  )) as Array<{ key: string }>;
  return rows.map((row) => row.key).sort();
}

/** Every table's columns a row may be written to, in one query (generated columns are computed, never written). */
async function writableColumns(db: Db): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ table: string; name: string }>`
    select c.relname as table, a.attname as name from pg_attribute a
    join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      and a.attgenerated = ''
    order by c.relname, a.attnum`.execute(db);
  const columns = new Map<string, string[]>();
  for (const row of rows) columns.set(row.table, [...(columns.get(row.table) ?? []), row.name]);
  return columns;
}

/** What writes a table's JSON rows (in the restore's transaction), ids and identity values as they were. */
export type RowInserter = (rows: readonly string[]) => Promise<void>;

/**
 * The row inserters of the schema's tables; the columns of all of them are looked up at once, not in a
 * query per table. A table the schema lacks is refused (a backup names only tables its schema had).
 */
export async function rowInserters(db: Db): Promise<(table: string) => RowInserter> {
  const tables = await writableColumns(db);
  return (table) => {
    const names = tables.get(table);
    if (!names) throw new ArchiveError(`This backup is corrupt: its schema version has no table ${table}.`);
    const columns = sql.raw(names.map(quoteName).join(", "));
    const name = sql.raw(quoteName(table));
    return async (rows) => {
      if (rows.length === 0) return;
      await sql`insert into ${name} (${columns}) overriding system value
        select ${columns} from json_populate_recordset(null::${name}, ${`[${rows.join(",")}]`}::json)`.execute(
        db,
      );
    };
  };
}

/** Moves every sequence past the values restored into its column, so new rows get new ids: one statement. */
export async function resetSequences(db: Db): Promise<void> {
  const { rows } = await sql<{ table: string; column: string }>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = 'public' and (is_identity = 'YES' or column_default like 'nextval(%')
    order by table_name, column_name`.execute(db);
  if (rows.length === 0) return;
  const each = rows.map(
    ({ table, column }) =>
      sql`setval(pg_get_serial_sequence(${quoteName(table)}, ${column}),
        coalesce((select max(${sql.ref(column)}) from ${sql.raw(quoteName(table))}), 0) + 1, false)`,
  );
  await sql`select ${sql.join(each)}`.execute(db);
}
