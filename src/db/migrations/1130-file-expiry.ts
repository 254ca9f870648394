// A file's `expires_after` (OpenAI's files API): when it expires, or null for never. An expired file is
// served as deleted at once, and the files module's periodic task deletes it, so the index covers the
// few rows that expire and not the rest.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").addColumn("expires_at", "timestamptz").execute();
  await db.schema
    .createIndex("files_expires_at")
    .on("files")
    .column("expires_at")
    .where(sql.ref("expires_at"), "is not", null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("files_expires_at").execute();
  await db.schema.alterTable("files").dropColumn("expires_at").execute();
}
