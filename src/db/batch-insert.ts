// A multi-row INSERT that sends its rows as one JSON parameter, expanded by the database with
// json_populate_recordset: the statement text is the same for every batch of a table and columns, and
// the database thread receives one string instead of rows x columns parameters. A batch of 500 sealed
// records was 7,500 parameters, each serialised one by one in JavaScript on the PGlite thread (about a
// quarter of that thread's time) and parsed and planned as a 500-tuple VALUES list.
import { CompiledQuery, type QueryResult } from "kysely";

/** What runs a compiled query: a Kysely instance or one of its transactions. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** Shapes kept at most; past it the cache starts again (tables and columns do not vary). */
const maxShapes = 256;
const statements = new Map<string, string>();

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

function statement(table: string, columns: readonly string[], suffix: string): string {
  const key = `${table}\n${columns.join(",")}\n${suffix}`;
  let text = statements.get(key);
  if (text === undefined) {
    const names = columns.map(quote).join(", ");
    // The table's own row type gives each field its column's type: text, bytea (from "\x..." hex),
    // timestamptz (from an ISO string), integers, booleans.
    text = `insert into ${quote(table)} (${names}) select ${names} from json_populate_recordset(null::${quote(table)}, $1::json)`;
    if (suffix) text += ` ${suffix}`;
    if (statements.size >= maxShapes) statements.clear();
    statements.set(key, text);
  }
  return text;
}

/** A value as JSON that the column's input function reads back exactly. */
function jsonValue(value: unknown): unknown {
  // A lone surrogate would make the database refuse the whole batch; as a parameter it became U+FFFD.
  if (typeof value === "string") return value.isWellFormed() ? value : value.toWellFormed();
  if (value instanceof Uint8Array)
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  return value ?? null;
}

/**
 * Insert `rows` into `table` in one statement, each row giving `columns` (a value left undefined is
 * written as NULL; a column not named keeps its default). Values are scalars, Dates or bytes; a json
 * column takes its value as text. `suffix` is trusted SQL of the caller's own, such as
 * `on conflict ("request_id") do nothing returning "project_id"`; values never go into the text.
 */
export async function batchInsert<R = unknown>(
  runner: QueryRunner,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  suffix = "",
): Promise<R[]> {
  if (rows.length === 0) return [];
  const values = rows.map((row) => {
    const value: Record<string, unknown> = {};
    for (const column of columns) value[column] = jsonValue(row[column]);
    return value;
  });
  const result = await runner.executeQuery(
    CompiledQuery.raw(statement(table, columns, suffix), [JSON.stringify(values)]) as CompiledQuery<R>,
  );
  return result.rows;
}
