// The fixed-window counters every node shares through the database: requests are counted when a
// request is admitted, tokens credited when its usage is recorded. Each is one statement that inserts
// or increments and returns the new totals, so concurrent nodes never lose an update.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { CounterPeriod } from "./usage-tables.ts";

export interface CounterKey {
  /** "<kind>:<id>", such as "project:proj_..." or "key:key_...". */
  subject: string;
  period: CounterPeriod;
}

export interface CounterState extends CounterKey {
  windowStart: Date;
  requests: number;
  tokens: number;
  /** The database's clock when it counted: every node measures windows by this one clock. */
  now: Date;
}

export interface CreditedCounter extends CounterKey {
  windowStart: Date;
  tokensBefore: number;
  tokensAfter: number;
}

export const periods: readonly CounterPeriod[] = ["minute", "day", "month"];

interface Row {
  subject: string;
  period: CounterPeriod;
  window_start: Date;
  requests: number;
  tokens: number;
  now: Date;
}

/** When a window that started at `start` ends (UTC calendar months, so a month is not 30 days). */
export function windowEnd(period: CounterPeriod, start: Date): Date {
  if (period === "minute") return new Date(start.getTime() + 60_000);
  if (period === "day") return new Date(start.getTime() + 86_400_000);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** Count one request in each given window and return every window's totals, in one round trip. */
export async function countRequest(db: Kysely<Database>, keys: CounterKey[]): Promise<CounterState[]> {
  if (keys.length === 0) return [];
  const wanted = sql.join(keys.map((key) => sql`(${key.subject}::text, ${key.period}::text)`));
  const result = await sql<Row>`
    insert into usage_counters (subject, period, window_start, requests, tokens)
    select subject, period, date_trunc(period, now(), 'UTC'), 1, 0
    from (values ${wanted}) as wanted (subject, period)
    on conflict (subject, period, window_start)
    do update set requests = usage_counters.requests + 1
    returning subject, period, window_start, requests, tokens, now() as now`.execute(db);
  return result.rows.map((row) => ({
    subject: row.subject,
    period: row.period,
    windowStart: row.window_start,
    requests: Number(row.requests),
    tokens: Number(row.tokens),
    now: row.now,
  }));
}

/**
 * Add tokens to each subject's current minute, day and month, returning the totals before and after, so
 * exactly one node sees a budget threshold crossed.
 */
export async function creditTokens(
  db: Kysely<Database>,
  credits: Array<{ subject: string; tokens: number }>,
): Promise<CreditedCounter[]> {
  if (credits.length === 0) return [];
  const rows = sql.join(credits.map((credit) => sql`(${credit.subject}::text, ${credit.tokens}::bigint)`));
  const windows = sql.join(periods.map((period) => sql`(${period}::text)`));
  const added = new Map(credits.map((credit) => [credit.subject, credit.tokens]));
  const result = await sql<Row>`
    insert into usage_counters (subject, period, window_start, requests, tokens)
    select credit.subject, windows.period, date_trunc(windows.period, now(), 'UTC'), 0, credit.tokens
    from (values ${rows}) as credit (subject, tokens)
    cross join (values ${windows}) as windows (period)
    on conflict (subject, period, window_start)
    do update set tokens = usage_counters.tokens + excluded.tokens
    returning subject, period, window_start, tokens`.execute(db);
  return result.rows.map((row) => ({
    subject: row.subject,
    period: row.period,
    windowStart: row.window_start,
    tokensAfter: Number(row.tokens),
    // Inserted or incremented, the window held exactly this much less before this statement.
    tokensBefore: Number(row.tokens) - (added.get(row.subject) ?? 0),
  }));
}

/** Drop windows nobody will read again: minutes after an hour, days after 40 days, months after 400. */
export async function pruneCounters(db: Kysely<Database>): Promise<void> {
  await sql`
    delete from usage_counters
    where (period = 'minute' and window_start < now() - interval '1 hour')
       or (period = 'day' and window_start < now() - interval '40 days')
       or (period = 'month' and window_start < now() - interval '400 days')`.execute(db);
}
