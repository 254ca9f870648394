// OIDC connections and their pending logins, verified email domains, SCIM tokens, groups and
// group members, and the optional owner of an API key (so deprovisioning a user disables its keys).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("oidc_connections")
    .addColumn("organization_id", "text", (column) =>
      column.primaryKey().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("base_url", "text", (column) => column.notNull())
    .addColumn("issuer", "text", (column) => column.notNull())
    .addColumn("client_id", "text", (column) => column.notNull())
    .addColumn("client_secret", "bytea", (column) => column.notNull())
    .addColumn("scopes", "text", (column) => column.notNull())
    .addColumn("email_claim", "text", (column) => column.notNull())
    .addColumn("name_claim", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("oidc_requests")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("state", "text", (column) => column.primaryKey())
    .addColumn("nonce", "text", (column) => column.notNull())
    .addColumn("code_verifier", "bytea", (column) => column.notNull())
    .addColumn("browser_hash", "bytea", (column) => column.notNull())
    .addColumn("return_to", "text", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .execute();
  await db.schema
    .createTable("email_domains")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("domain", "text", (column) => column.notNull())
    .addColumn("verification_token", "text", (column) => column.notNull())
    .addColumn("verified_at", "timestamptz")
    .addColumn("verification_method", "text")
    .addColumn("verification_reason", "text")
    .addColumn("enforce_sso", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("email_domains_pk", ["organization_id", "domain"])
    .execute();
  // A domain routes to one organisation: only one may hold it verified.
  await db.schema
    .createIndex("email_domains_one_verified")
    .on("email_domains")
    .column("domain")
    .unique()
    .where(sql.ref("verified_at"), "is not", null)
    .execute();
  await db.schema
    .createTable("scim_tokens")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("token_hash", "bytea", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createTable("groups")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("display_name", "text", (column) => column.notNull())
    .addColumn("external_id", "text")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("groups_display_name_unique", ["organization_id", "display_name"])
    .execute();
  await db.schema
    .createTable("group_members")
    .addColumn("group_id", "text", (column) => column.notNull().references("groups.id").onDelete("cascade"))
    .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("group_members_pk", ["group_id", "user_id"])
    .execute();
  await db.schema.createIndex("group_members_user").on("group_members").column("user_id").execute();
  await db.schema
    .alterTable("api_keys")
    .addColumn("user_id", "text", (column) => column.references("users.id").onDelete("set null"))
    .execute();
  await db.schema.createIndex("api_keys_user").on("api_keys").column("user_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("api_keys_user").ifExists().execute();
  await db.schema.alterTable("api_keys").dropColumn("user_id").execute();
  for (const table of [
    "group_members",
    "groups",
    "scim_tokens",
    "email_domains",
    "oidc_requests",
    "oidc_connections",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
