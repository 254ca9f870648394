// A document's chunking when it was not the default (a vector store file's `chunking_strategy` of type
// `static`): sizes in characters, null for the default. Sizes only, nothing of the content.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("documents")
    .addColumn("chunk_characters", "integer")
    .addColumn("chunk_overlap_characters", "integer")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("documents")
    .dropColumn("chunk_characters")
    .dropColumn("chunk_overlap_characters")
    .execute();
}
