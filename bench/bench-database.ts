// A PostgreSQL database of the benchmark's own: created fresh on the server named by
// CUSTODIAN_BENCH_DATABASE_URL (or the local server, when it answers) and dropped afterwards.
import pg from "pg";
import { randomToken } from "../src/core/ids.ts";

const localServer = "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  url: string;
  /** The server's address without credentials, for the report. */
  server: string;
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh empty database, or null when no PostgreSQL server answers. */
export async function createBenchDatabase(): Promise<BenchDatabase | null> {
  const serverUrl = process.env.CUSTODIAN_BENCH_DATABASE_URL || localServer;
  if (!(await reachable(serverUrl))) return null;
  const name = `custodian_bench_${randomToken(10).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const server = `${url.hostname}:${url.port || "5432"}`;
  return {
    url: url.toString(),
    server,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
