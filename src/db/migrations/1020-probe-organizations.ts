// PLAT-2: the live trust probes work in organisations of their own, marked internal: customers never see
// them (organisation lists, an empty installation's bootstrap), and nothing else changes for them.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("organizations")
    .addColumn("internal", "boolean", (column) => column.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("organizations").dropColumn("internal").execute();
}
