// The usage domain's tables as Kysely sees them (created by migration 0400-usage).
import type { ColumnType } from "kysely";

export interface UsageEventsTable {
  request_id: string;
  organization_id: string;
  project_id: string;
  api_key_id: string | null;
  user_id: string | null;
  model: string;
  endpoint: string;
  status: string;
  input_tokens: number;
  output_tokens: number;
  input_cached_tokens: number;
  started_at: Date;
  recorded_at: ColumnType<Date, Date | undefined, never>;
}

export type CounterPeriod = "minute" | "day" | "month";

export interface UsageCountersTable {
  subject: string;
  period: CounterPeriod;
  window_start: Date;
  requests: number;
  tokens: number;
}

/** Whose limits a row holds. Users and groups come with the identity issue. */
export type LimitSubjectKind = "project" | "key" | "user" | "group";

export interface UsageLimitsTable {
  organization_id: string;
  subject_kind: LimitSubjectKind;
  subject_id: string;
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  tokens_per_day: number | null;
  tokens_per_month: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module "../db/schema.ts" {
  interface Database {
    usage_events: UsageEventsTable;
    usage_counters: UsageCountersTable;
    usage_limits: UsageLimitsTable;
  }
}
