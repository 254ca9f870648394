// Usage metering, rate-limit and budget counters, and the limits admins set (the usage domain's tables).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per metered request, keyed by its request id so a retried flush never counts it twice.
  // Facts only: who, which model, how many tokens, when. No prompt or completion ever lands here.
  await db.schema
    .createTable("usage_events")
    .addColumn("request_id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) => column.notNull())
    .addColumn("api_key_id", "text")
    // Workspace traffic will carry a user instead of a key (identity issue).
    .addColumn("user_id", "text")
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("endpoint", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("input_tokens", "bigint", (column) => column.notNull())
    .addColumn("output_tokens", "bigint", (column) => column.notNull())
    .addColumn("input_cached_tokens", "bigint", (column) => column.notNull())
    .addColumn("started_at", "timestamptz", (column) => column.notNull())
    .addColumn("recorded_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("usage_events_organization_time")
    .on("usage_events")
    .columns(["organization_id", "started_at"])
    .execute();

  // Fixed-window counters shared by every node: requests counted at admission, tokens credited when
  // usage is recorded. `subject` is "<kind>:<id>" (key:..., project:..., later user:... and group:...).
  await db.schema
    .createTable("usage_counters")
    .addColumn("subject", "text", (column) => column.notNull())
    .addColumn("period", "text", (column) =>
      column.notNull().check(sql`period in ('minute', 'day', 'month')`),
    )
    .addColumn("window_start", "timestamptz", (column) => column.notNull())
    .addColumn("requests", "bigint", (column) => column.notNull().defaultTo(0))
    .addColumn("tokens", "bigint", (column) => column.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("usage_counters_pk", ["subject", "period", "window_start"])
    .execute();

  // Limits and budgets per subject. Projects and keys today; users and groups slot in with the
  // identity issue (the check already admits them, so that needs no migration of this table).
  await db.schema
    .createTable("usage_limits")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("subject_kind", "text", (column) =>
      column.notNull().check(sql`subject_kind in ('project', 'key', 'user', 'group')`),
    )
    .addColumn("subject_id", "text", (column) => column.notNull())
    .addColumn("requests_per_minute", "bigint")
    .addColumn("tokens_per_minute", "bigint")
    .addColumn("tokens_per_day", "bigint")
    .addColumn("tokens_per_month", "bigint")
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("usage_limits_pk", ["subject_kind", "subject_id"])
    .execute();
  await db.schema
    .createIndex("usage_limits_organization")
    .on("usage_limits")
    .column("organization_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["usage_limits", "usage_counters", "usage_events"]) {
    await db.schema.dropTable(table).execute();
  }
}
