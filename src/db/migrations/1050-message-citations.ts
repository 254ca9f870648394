// Chatting with documents (issue 20): an answer keeps the passages it was given, sealed by its
// conversation's key like its text, so its citations can be shown (and are destroyed with it).
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("messages").addColumn("citations", "bytea").execute();
}
