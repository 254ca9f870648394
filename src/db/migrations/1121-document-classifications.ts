// What the organisation's classifiers found in each stored document (issue 20, API-3): metadata only (the
// classifier's name, whether it flagged, the categories that applied, their scores, and counts of
// passages), never a word of the document. It goes with its document.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("document_classifications")
    .addColumn("document_id", "text", (column) =>
      column.primaryKey().references("documents.id").onDelete("cascade"),
    )
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("collection_id", "text", (column) => column.notNull())
    .addColumn("classifier", "text", (column) => column.notNull())
    .addColumn("flagged", "boolean", (column) => column.notNull())
    .addColumn("categories", "text", (column) => column.notNull())
    .addColumn("scores", "text", (column) => column.notNull())
    .addColumn("passages", "integer", (column) => column.notNull())
    .addColumn("flagged_passages", "integer", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("document_classifications").execute();
}
