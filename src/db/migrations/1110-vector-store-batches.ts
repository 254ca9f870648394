// Vector stores' file batches and `expires_after` (issue 20). A batch row holds only ids, statuses and
// error codes (never a file's name or content); it goes with its collection's row when the purge removes
// it. A collection that expires some days after it was last active keeps that count and the time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("vector_store_file_batches")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("collection_id", "text", (column) =>
      column.notNull().references("document_collections.id").onDelete("cascade"),
    )
    .addColumn("organization_id", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    // [{ file_id, status, code }] in the order given.
    .addColumn("files", "jsonb", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("vector_store_file_batches_collection")
    .on("vector_store_file_batches")
    .column("collection_id")
    .execute();
  await db.schema
    .alterTable("document_collections")
    .addColumn("expires_after_days", "integer")
    .addColumn("last_active_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("document_collections").dropColumn("expires_after_days").execute();
  await db.schema.alterTable("document_collections").dropColumn("last_active_at").execute();
  await db.schema.dropTable("vector_store_file_batches").execute();
}
