// Users, workspaces, memberships, browser sessions and SAML connections, with the SAML request and replay caches.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("email", "text", (column) => column.notNull())
    .addColumn("display_name", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) =>
      column
        .notNull()
        .defaultTo("active")
        .check(sql`status in ('active', 'disabled')`),
    )
    .addColumn("password_hash", "text")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("users_email_unique", ["organization_id", "email"])
    .execute();
  await db.schema
    .createTable("user_external_ids")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("provider", "text", (column) => column.notNull())
    .addColumn("external_id", "text", (column) => column.notNull())
    .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("user_external_ids_pk", ["organization_id", "provider", "external_id"])
    .execute();
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("is_default", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  // At most one default workspace per organisation, even when two nodes provision at once.
  await db.schema
    .createIndex("workspaces_one_default")
    .on("workspaces")
    .column("organization_id")
    .unique()
    .where(sql.ref("is_default"), "=", true)
    .execute();
  await db.schema
    .createTable("memberships")
    .addColumn("workspace_id", "text", (column) =>
      column.notNull().references("workspaces.id").onDelete("cascade"),
    )
    .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("role", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("memberships_pk", ["workspace_id", "user_id"])
    .execute();
  await db.schema.createIndex("memberships_user").on("memberships").column("user_id").execute();
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "bytea", (column) => column.notNull().unique())
    .addColumn("csrf_hash", "bytea", (column) => column.notNull())
    .addColumn("method", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("last_seen_at", "timestamptz", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();
  await db.schema
    .createTable("saml_connections")
    .addColumn("organization_id", "text", (column) =>
      column.primaryKey().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("base_url", "text", (column) => column.notNull())
    .addColumn("idp_entity_id", "text", (column) => column.notNull())
    .addColumn("idp_sso_url", "text", (column) => column.notNull())
    .addColumn("idp_certificates", "text", (column) => column.notNull())
    .addColumn("metadata_xml", "text", (column) => column.notNull())
    .addColumn("email_attribute", "text", (column) => column.notNull())
    .addColumn("name_attribute", "text", (column) => column.notNull())
    .addColumn("allow_idp_initiated", "boolean", (column) => column.notNull().defaultTo(false))
    .addColumn("sp_certificate", "text", (column) => column.notNull())
    .addColumn("sp_private_key", "bytea", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("saml_requests")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("request_id", "text", (column) => column.notNull())
    .addColumn("browser_hash", "bytea")
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addPrimaryKeyConstraint("saml_requests_pk", ["organization_id", "request_id"])
    .execute();
  await db.schema
    .createTable("saml_replay")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("assertion_id", "text", (column) => column.notNull())
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addPrimaryKeyConstraint("saml_replay_pk", ["organization_id", "assertion_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "saml_replay",
    "saml_requests",
    "saml_connections",
    "sessions",
    "memberships",
    "workspaces",
    "user_external_ids",
    "users",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
