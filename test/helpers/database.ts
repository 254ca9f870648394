// Gives each test its own empty, migrated database: in-memory PGlite, or a fresh database on the
// PostgreSQL server named by CUSTODIAN_TEST_DATABASE_URL (the production path).
import pg from "pg";
import { randomToken } from "../../src/core/ids.ts";
import { openDatabase, type Db } from "../../src/db/database.ts";

export interface TestDatabase {
  db: Db;
  /** The postgres:// URL of the fresh database, or null on PGlite. */
  url: string | null;
  close(): Promise<void>;
}

export const serverUrl = process.env.CUSTODIAN_TEST_DATABASE_URL || null;

/** A fresh empty database on the test server, returned as its URL, with a function that drops it. */
export async function freshServerDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  if (!serverUrl) return null;
  const name = `custodian_t_${randomToken(10).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function testDatabase(): Promise<TestDatabase> {
  const server = await freshServerDatabase();
  const db = await openDatabase({ url: server?.url ?? null, pgliteDir: "memory://" });
  return {
    db,
    url: server?.url ?? null,
    async close() {
      await db.destroy();
      await server?.drop();
    },
  };
}
