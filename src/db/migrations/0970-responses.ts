// Stored /v1/responses (API-1): each response, its input items and the conversation it continues, sealed
// by the organisation's key, kept no longer than the API retention and never under ZDR or `store: false`.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("stored_responses")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) => column.notNull())
    // The response object, its input items and its conversation as JSON, sealed (place: stored_responses/id).
    .addColumn("content", "bytea", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex("stored_responses_expiry")
    .on("stored_responses")
    .column("expires_at")
    .execute();
}
