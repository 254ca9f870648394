// Oversight of stored data: abuse-review verdicts, platform operators and their sessions, staff-access
// grants with their approvals, the log of every access to customer data, HIPAA mode, and the cursor of
// the security-event monitor.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("api_record_reviews")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    // No foreign key: the record is purged on its own schedule, the verdict stays as evidence.
    .addColumn("record_id", "text", (column) => column.notNull())
    .addColumn("reviewer", "text", (column) => column.notNull())
    .addColumn("verdict", "text", (column) => column.notNull().check(sql`verdict in ('dismiss', 'confirm')`))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("api_record_reviews_record")
    .on("api_record_reviews")
    .columns(["organization_id", "record_id"])
    .execute();
  // Operators belong to the platform, not to any organisation: no organization_id on purpose.
  await db.schema
    .createTable("operators")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("name", "text", (column) => column.notNull().unique())
    .addColumn("token_hash", "bytea", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("disabled_at", "timestamptz")
    .execute();
  await db.schema
    .createTable("operator_sessions")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("operator_id", "text", (column) =>
      column.notNull().references("operators.id").onDelete("cascade"),
    )
    .addColumn("token_hash", "bytea", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createTable("staff_grants")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("reason", "text", (column) =>
      column.notNull().check(sql`reason in ('incident', 'user-consent', 'legal')`),
    )
    // The incident id or the legal case reference; for user consent, what the operator needs it for.
    .addColumn("reference", "text", (column) => column.notNull())
    .addColumn("justification", "text", (column) => column.notNull())
    .addColumn("requested_by", "text", (column) => column.notNull().references("operators.id"))
    // The user whose consent is asked (user-consent, optional for incident) or whose data a legal grant covers.
    .addColumn("user_id", "text")
    .addColumn("status", "text", (column) =>
      column.notNull().check(sql`status in ('pending', 'active', 'denied', 'revoked')`),
    )
    // JSON array of the conversation ids the user chose; null until they consent.
    .addColumn("consented_conversations", "text")
    .addColumn("duration_ms", "bigint", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("activated_at", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("staff_grants_organization")
    .on("staff_grants")
    .columns(["organization_id", "created_at"])
    .execute();
  await db.schema
    .createTable("staff_grant_approvals")
    .addColumn("grant_id", "text", (column) =>
      column.notNull().references("staff_grants.id").onDelete("cascade"),
    )
    .addColumn("operator_id", "text", (column) => column.notNull().references("operators.id"))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("staff_grant_approvals_pk", ["grant_id", "operator_id"])
    .execute();
  await db.schema
    .createTable("data_access_events")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("actor_kind", "text", (column) =>
      column.notNull().check(sql`actor_kind in ('operator', 'reviewer')`),
    )
    .addColumn("actor", "text", (column) => column.notNull())
    .addColumn("grant_id", "text")
    .addColumn("action", "text", (column) => column.notNull())
    .addColumn("target", "text")
    .addColumn("at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("data_access_events_organization")
    .on("data_access_events")
    .columns(["organization_id", "at"])
    .execute();
  await db.schema
    .createTable("hipaa_settings")
    .addColumn("organization_id", "text", (column) =>
      column.primaryKey().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("security_event_cursor")
    .addColumn("name", "text", (column) => column.primaryKey())
    .addColumn("seq", "bigint", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "security_event_cursor",
    "hipaa_settings",
    "data_access_events",
    "staff_grant_approvals",
    "staff_grants",
    "operator_sessions",
    "operators",
    "api_record_reviews",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
