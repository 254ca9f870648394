// The window counters in the platform's own database (the default): each call is one statement that
// inserts or increments and returns the new totals, so concurrent nodes never lose an update.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { CounterPeriod } from "./usage-tables.ts";
import {
  periods,
  type CounterKey,
  type CounterState,
  type CreditedCounter,
  type TokenCredit,
  type WindowCounters,
} from "./usage-counters.ts";

interface Row {
  subject: string;
  period: CounterPeriod;
  window_start: Date;
  requests: number;
  tokens: number;
  now: Date;
}

export class PostgresWindowCounters implements WindowCounters {
  readonly store = "postgresql";
  readonly transactional = true;
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async countRequest(keys: CounterKey[]): Promise<CounterState[]> {
    if (keys.length === 0) return [];
    const wanted = sql.join(keys.map((key) => sql`(${key.subject}::text, ${key.period}::text)`));
    const result = await sql<Row>`
      insert into usage_counters (subject, period, window_start, requests, tokens)
      select subject, period, date_trunc(period, now(), 'UTC'), 1, 0
      from (values ${wanted}) as wanted (subject, period)
      on conflict (subject, period, window_start)
      do update set requests = usage_counters.requests + 1
      returning subject, period, window_start, requests, tokens, now() as now`.execute(this.#db);
    return result.rows.map((row) => ({
      subject: row.subject,
      period: row.period,
      windowStart: row.window_start,
      requests: Number(row.requests),
      tokens: Number(row.tokens),
      now: row.now,
    }));
  }

  async creditTokens(credits: TokenCredit[], transaction?: Kysely<Database>): Promise<CreditedCounter[]> {
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
      returning subject, period, window_start, tokens`.execute(transaction ?? this.#db);
    return result.rows.map((row) => ({
      subject: row.subject,
      period: row.period,
      windowStart: row.window_start,
      tokensAfter: Number(row.tokens),
      // Inserted or incremented, the window held exactly this much less before this statement.
      tokensBefore: Number(row.tokens) - (added.get(row.subject) ?? 0),
    }));
  }

  /** Minutes go after an hour, days after 40 days, months after 400. */
  async prune(): Promise<void> {
    await sql`
      delete from usage_counters
      where (period = 'minute' and window_start < now() - interval '1 hour')
         or (period = 'day' and window_start < now() - interval '40 days')
         or (period = 'month' and window_start < now() - interval '400 days')`.execute(this.#db);
  }

  async close(): Promise<void> {
    // The database belongs to the platform, which closes it.
  }
}
