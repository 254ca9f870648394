// The fixed-window counters every node shares: requests are counted when a request is admitted, tokens
// credited when its usage is recorded. One interface, two stores: PostgreSQL (the default) and Redis.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { CounterPeriod } from "./usage-tables.ts";

export interface CounterKey {
  /** "<kind>:<id>", such as "project:proj_...", "key:key_...", "user:usr_..." or "group:grp_...". */
  subject: string;
  period: CounterPeriod;
}

export interface CounterState extends CounterKey {
  windowStart: Date;
  requests: number;
  tokens: number;
  /** The store's clock when it counted: every node measures windows by this one clock. */
  now: Date;
}

export interface CreditedCounter extends CounterKey {
  windowStart: Date;
  tokensBefore: number;
  tokensAfter: number;
}

export interface TokenCredit {
  subject: string;
  tokens: number;
}

export const periods: readonly CounterPeriod[] = ["minute", "day", "month"];

/** When a window that started at `start` ends (UTC calendar months, so a month is not 30 days). */
export function windowEnd(period: CounterPeriod, start: Date): Date {
  if (period === "minute") return new Date(start.getTime() + 60_000);
  if (period === "day") return new Date(start.getTime() + 86_400_000);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

export interface WindowCounters {
  /** "postgresql" or "redis", for logs and the trust report. */
  readonly store: string;
  /**
   * True when tokens are credited inside the database transaction that writes the usage events, so a
   * batch is credited exactly once with them. A store outside the database credits after that commit.
   */
  readonly transactional: boolean;
  /** Count one request in each given window and return every window's totals, in one round trip. */
  countRequest(keys: CounterKey[]): Promise<CounterState[]>;
  /**
   * Add tokens to each subject's current minute, day and month, returning the totals before and after,
   * so exactly one node sees a budget threshold crossed. `transaction` is the usage events' transaction
   * (only given to a transactional store).
   */
  creditTokens(credits: TokenCredit[], transaction?: Kysely<Database>): Promise<CreditedCounter[]>;
  /** Drop windows nobody will read again (a store with expiring keys has nothing to do). */
  prune(): Promise<void>;
  close(): Promise<void>;
}
