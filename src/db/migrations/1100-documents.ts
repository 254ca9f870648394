// The sealed document library (issue 20): collections and their documents. Everything a person wrote or
// uploaded (a collection's name and metadata, a document's name, attributes, extracted text, passages
// and vectors) is sealed under the collection's own key, itself wrapped by the organisation's key; only
// ids, owners, sizes, counts and times are in clear. The original files are sealed in the blob store.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("document_collections")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("owner_kind", "text", (column) => column.notNull())
    .addColumn("owner_id", "text", (column) => column.notNull())
    .addColumn("shared_with", "jsonb", (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    // Null once the collection is deleted: its key destroyed, everything sealed under it unreadable.
    .addColumn("wrapped_key", "bytea")
    .addColumn("name", "bytea")
    .addColumn("metadata", "bytea")
    .addColumn("embedding_model", "text", (column) => column.notNull())
    .addColumn("documents", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("bytes", "bigint", (column) => column.notNull().defaultTo(0))
    // Bumped by every change of its documents: a node's opened index of an older revision is stale.
    .addColumn("revision", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("seq", "bigserial", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    // When a document of it was last deleted: the purge erases the tables after it.
    .addColumn("document_deleted_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("document_collections_organization")
    .on("document_collections")
    .columns(["organization_id", "seq"])
    .execute();
  await db.schema
    .createTable("documents")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("collection_id", "text", (column) =>
      column.notNull().references("document_collections.id").onDelete("cascade"),
    )
    .addColumn("organization_id", "text", (column) => column.notNull())
    .addColumn("filename", "bytea", (column) => column.notNull())
    .addColumn("format", "text")
    .addColumn("bytes", "bigint", (column) => column.notNull())
    .addColumn("pages", "integer")
    .addColumn("chunks", "integer", (column) => column.notNull())
    .addColumn("file_id", "text")
    .addColumn("attributes", "bytea", (column) => column.notNull())
    // The extracted blocks, and the passages with their vectors, each sealed whole.
    .addColumn("extracted", "bytea", (column) => column.notNull())
    .addColumn("passages", "bytea", (column) => column.notNull())
    .addColumn("blob_key", "text", (column) => column.notNull())
    .addColumn("seq", "bigserial", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("documents_collection")
    .on("documents")
    .columns(["collection_id", "seq"])
    .execute();
  // Sealed originals to remove from the blob store: a deleted document's (due at once), and an upload's
  // until its row is stored (due an hour on, when no node can still be writing it). The purge removes
  // each due one, so a crash or a failed removal leaves no ciphertext behind for long.
  await db.schema
    .createTable("document_blob_removals")
    .addColumn("blob_key", "text", (column) => column.primaryKey())
    .addColumn("due_at", "timestamptz", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("document_blob_removals").execute();
  await db.schema.dropTable("documents").execute();
  await db.schema.dropTable("document_collections").execute();
}
