// Admin API keys (SEC-4, CTL-4): organisation-level keys for the audit-log API, distinct from project
// keys. Only the SHA-256 of each key is stored; the key itself is shown once.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("admin_api_keys")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("redacted", "text", (column) => column.notNull())
    .addColumn("hash", "bytea", (column) => column.notNull().unique())
    .addColumn("created_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("admin_api_keys_organization")
    .on("admin_api_keys")
    .column("organization_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("admin_api_keys").execute();
}
