// A SAML connection refuses RSA-SHA1 signatures and SHA-1 digests unless an admin allows them for that
// one connection (an IdP that cannot sign otherwise); off for every connection, new and existing.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("saml_connections")
    .addColumn("allow_sha1", "boolean", (column) => column.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("saml_connections").dropColumn("allow_sha1").execute();
}
