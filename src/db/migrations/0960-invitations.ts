// One-time links for people without an identity provider: invitations to join an organisation and
// password resets. Only a hash of each link's token is stored; a link is used once, expires, and can
// be revoked.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("account_links")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("purpose", "text", (column) => column.notNull().check(sql`purpose in ('invite', 'reset')`))
    // SHA-256 of the link's token; the token itself exists only in the link.
    .addColumn("token_hash", "bytea", (column) => column.notNull().unique())
    .addColumn("email", "text", (column) => column.notNull())
    // An invitation's workspace and role; null for a reset.
    .addColumn("workspace_id", "text", (column) => column.references("workspaces.id").onDelete("cascade"))
    .addColumn("role", "text")
    // A reset's user; an invitation's user once accepted.
    .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("cascade"))
    .addColumn("created_by", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("account_links_organization")
    .on("account_links")
    .columns(["organization_id", "purpose"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("account_links").ifExists().execute();
}
