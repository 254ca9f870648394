// A multi-row INSERT whose SQL text is built once per shape (table, columns, row count, what follows
// the values) and kept: the batch writers of a busy server send the same few statements again and
// again, and Kysely's query builder would compile each of them anew (a few percent of a request's CPU).
import { CompiledQuery, type QueryResult } from "kysely";

/** What runs a compiled query: a Kysely instance or one of its transactions. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** Shapes kept at most; past it the cache starts again (row counts vary, tables and columns do not). */
const maxShapes = 2_048;
const statements = new Map<string, string>();

const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

function statement(table: string, columns: readonly string[], rowCount: number, suffix: string): string {
  const key = `${table}\n${columns.join(",")}\n${rowCount}\n${suffix}`;
  let text = statements.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let row = 0, parameter = 1; row < rowCount; row += 1) {
      const placeholders: string[] = [];
      for (let column = 0; column < columns.length; column += 1) placeholders.push(`$${parameter++}`);
      tuples.push(`(${placeholders.join(", ")})`);
    }
    text = `insert into ${quote(table)} (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}`;
    if (suffix) text += ` ${suffix}`;
    if (statements.size >= maxShapes) statements.clear();
    statements.set(key, text);
  }
  return text;
}

/**
 * Insert `rows` into `table` in one statement, each row giving `columns` in that order (a value left
 * undefined is written as NULL). `suffix` is trusted SQL of the caller's own, such as
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
  const parameters: unknown[] = new Array(rows.length * columns.length);
  let index = 0;
  for (const row of rows) for (const column of columns) parameters[index++] = row[column] ?? null;
  const result = await runner.executeQuery(
    CompiledQuery.raw(statement(table, columns, rows.length, suffix), parameters) as CompiledQuery<R>,
  );
  return result.rows;
}
