// A file's row is written before its content and marked stored after it, so a crash mid-upload
// leaves a row the start-up sweep finds (and removes with any content), never an untracked blob.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("files")
    .addColumn("stored", "boolean", (column) => column.notNull().defaultTo(true))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").dropColumn("stored").execute();
}
