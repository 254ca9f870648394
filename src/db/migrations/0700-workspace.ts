// Conversations and messages of the chat workspace: every title and message is ciphertext under the
// conversation's own data key; deleting a conversation destroys that key (wrapped_key = null).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("conversations")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("workspace_id", "text", (column) => column.notNull())
    .addColumn("user_id", "text", (column) => column.notNull())
    .addColumn("wrapped_key", "bytea")
    .addColumn("title", "bytea")
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("conversations_user_updated")
    .on("conversations")
    .columns(["organization_id", "user_id", "updated_at"])
    .execute();
  await db.schema
    .createTable("messages")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("conversation_id", "text", (column) =>
      column.notNull().references("conversations.id").onDelete("cascade"),
    )
    .addColumn("organization_id", "text", (column) => column.notNull())
    .addColumn("seq", "integer", (column) => column.notNull())
    .addColumn("role", "text", (column) =>
      column.notNull().check(sql`role in ('system', 'user', 'assistant')`),
    )
    .addColumn("content", "bytea", (column) => column.notNull())
    .addColumn("model", "text")
    .addColumn("prompt_tokens", "integer")
    .addColumn("completion_tokens", "integer")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("messages_conversation_seq", ["conversation_id", "seq"])
    .execute();
  await db.schema
    .createTable("workspace_retention")
    .addColumn("workspace_id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    // Null keeps conversations until their owner deletes them ("forever").
    .addColumn("days", "integer", (column) => column.check(sql`days is null or days >= 1`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("workspace_retention").execute();
  await db.schema.dropTable("messages").execute();
  await db.schema.dropTable("conversations").execute();
}
