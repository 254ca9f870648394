// Custom roles, feature switches per workspace and per group, and each project's allowed models.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("custom_roles")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("permissions", "text", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("custom_roles_pk", ["organization_id", "name"])
    .execute();
  await db.schema
    .createTable("feature_switches")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("scope", "text", (column) => column.notNull().check(sql`scope in ('workspace', 'group')`))
    // No foreign key: a group id names a SCIM group, and those tables belong to another migration.
    .addColumn("scope_id", "text", (column) => column.notNull())
    .addColumn("feature", "text", (column) => column.notNull())
    .addColumn("enabled", "boolean", (column) => column.notNull())
    .addColumn("models", "text")
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("feature_switches_pk", ["organization_id", "scope", "scope_id", "feature"])
    .execute();
  await db.schema
    .createTable("project_model_lists")
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) =>
      column.notNull().references("projects.id").onDelete("cascade"),
    )
    .addColumn("models", "text", (column) => column.notNull())
    .addColumn("updated_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("project_model_lists_pk", ["organization_id", "project_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["project_model_lists", "feature_switches", "custom_roles"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
