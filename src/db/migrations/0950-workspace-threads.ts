// The workspace's message tree (edits and regenerations keep earlier branches), stopped answers, a
// sealed system prompt and pinning per conversation, sealed custom instructions per user, and
// read-only shares of a conversation inside its organisation. Existing conversations become one branch.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("messages")
    // The message this one answers or follows; null for the first message of a branch from the root.
    .addColumn("parent_id", "text")
    .addColumn("stopped", "boolean", (column) => column.notNull().defaultTo(false))
    .execute();
  // Until now a conversation was one line of messages in `seq` order: each follows the one before.
  await sql`
    update messages set parent_id = ordered.parent
    from (select id, lag(id) over (partition by conversation_id order by seq) as parent from messages) ordered
    where messages.id = ordered.id and ordered.parent is not null`.execute(db);
  await db.schema
    .alterTable("conversations")
    // The last message of the branch the user sees; null before the first message.
    .addColumn("active_message_id", "text")
    // Sealed by the conversation key, like its title and messages.
    .addColumn("system_prompt", "bytea")
    .addColumn("pinned_at", "timestamptz")
    .execute();
  await sql`
    update conversations set active_message_id = last.id
    from (select distinct on (conversation_id) conversation_id, id from messages
          order by conversation_id, seq desc) last
    where conversations.id = last.conversation_id`.execute(db);

  await db.schema
    .createTable("workspace_preferences")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("user_id", "text", (column) => column.notNull())
    // The user's own data key sealed by the organisation key; it seals their custom instructions.
    .addColumn("wrapped_key", "bytea", (column) => column.notNull())
    .addColumn("instructions", "bytea")
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("workspace_preferences_pkey", ["organization_id", "user_id"])
    .execute();

  await db.schema
    .createTable("conversation_shares")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    // The purge that removes a conversation's rows removes its shares with them.
    .addColumn("conversation_id", "text", (column) =>
      column.notNull().references("conversations.id").onDelete("cascade"),
    )
    .addColumn("user_id", "text", (column) => column.notNull())
    // The share's own data key, sealed by the conversation's key: destroying either makes it unreadable.
    .addColumn("wrapped_key", "bytea")
    // The snapshot (title and messages) sealed by the share's key; null once revoked.
    .addColumn("snapshot", "bytea")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("conversation_shares_conversation")
    .on("conversation_shares")
    .column("conversation_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("conversation_shares").execute();
  await db.schema.dropTable("workspace_preferences").execute();
  await db.schema
    .alterTable("conversations")
    .dropColumn("active_message_id")
    .dropColumn("system_prompt")
    .dropColumn("pinned_at")
    .execute();
  await db.schema.alterTable("messages").dropColumn("parent_id").dropColumn("stopped").execute();
}
