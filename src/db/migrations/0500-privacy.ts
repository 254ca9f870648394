// The privacy domain's tables: retention and zero-data-retention settings, the encrypted API
// abuse-monitoring records, and classifier metadata.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("privacy_settings")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    // '' is the organisation-wide row; a project id overrides it for that project.
    .addColumn("project_id", "text", (column) => column.notNull().defaultTo(""))
    .addColumn("retention_days", "integer", (column) => column.check(sql`retention_days between 0 and 30`))
    .addColumn("zdr", "boolean")
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("privacy_settings_pk", ["organization_id", "project_id"])
    .execute();
  await db.schema
    .createTable("api_records")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) => column.notNull())
    .addColumn("key_id", "text", (column) => column.notNull())
    .addColumn("request_id", "text", (column) => column.notNull())
    .addColumn("endpoint", "text", (column) => column.notNull())
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("prompt_tokens", "integer")
    .addColumn("completion_tokens", "integer")
    // Request and response, sealed by the organisation's key; never stored any other way.
    .addColumn("content", "bytea", (column) => column.notNull())
    .addColumn("flagged", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("review_status", "text", (column) =>
      column
        .notNull()
        .defaultTo("none")
        .check(sql`review_status in ('none', 'pending', 'reviewed')`),
    )
    .addColumn("created_at", "timestamptz", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("api_records_expires").on("api_records").column("expires_at").execute();
  await db.schema
    .createIndex("api_records_flagged")
    .on("api_records")
    .columns(["organization_id", "flagged", "created_at"])
    .execute();
  await db.schema
    .createTable("api_classifications")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) => column.notNull())
    .addColumn("request_id", "text", (column) => column.notNull())
    // No foreign key: the record is purged on its own schedule, the metadata may outlive it.
    .addColumn("record_id", "text")
    .addColumn("classifier", "text", (column) => column.notNull())
    .addColumn("flagged", "boolean", (column) => column.notNull())
    .addColumn("categories", "text", (column) => column.notNull())
    .addColumn("scores", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("api_classifications_created")
    .on("api_classifications")
    .column("created_at")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("api_classifications").execute();
  await db.schema.dropTable("api_records").execute();
  await db.schema.dropTable("privacy_settings").execute();
}
