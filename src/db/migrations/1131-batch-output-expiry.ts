// A batch's `output_expires_after` (seconds after its output and error files are made): the files then
// expire at that time or at the project's retention, whichever comes first.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("batches").addColumn("output_expires_after", "integer").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("batches").dropColumn("output_expires_after").execute();
}
