// Physical erasure on a PostgreSQL server while another session holds an old snapshot (OWN-4, API-1):
// a plain VACUUM FULL then keeps the deleted row in the rewritten table, so eraseDeleted waits for
// that snapshot to end (or fails, for its purge to retry) instead of reporting an erasure that did not
// happen. The scans read the server's files and WAL as bytes; each absence follows a presence.
import pg from "pg";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverUrl, testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { foundAnywhere, rawScan } from "../privacy/raw-scan.ts";
import { ErasureError, eraseDeleted } from "./physical-erasure.ts";

describe.skipIf(!serverUrl)("physical erasure beside an old snapshot", () => {
  let database: TestDatabase;
  let reader: pg.Client;
  const scan = (needles: Record<string, string>) => rawScan({ db: database.db }, needles);

  beforeAll(async () => {
    database = await testDatabase();
    await sql`create table erasure_probe (id int primary key, body text)`.execute(database.db);
    reader = new pg.Client({ connectionString: database.url! });
    await reader.connect();
  }, 120_000);
  afterAll(async () => {
    await reader?.end();
    await database?.close();
  });

  /** A row holding `canary`, deleted while the reader's repeatable-read snapshot (taken first) is open. */
  async function deletedUnderSnapshot(id: number, canary: string): Promise<void> {
    await sql`insert into erasure_probe values (${id}, ${canary})`.execute(database.db);
    await reader.query("begin isolation level repeatable read");
    await reader.query("select 1"); // the snapshot is taken; no lock on the table
    await sql`delete from erasure_probe where id = ${id}`.execute(database.db);
  }

  it("[OWN-4] a bare VACUUM FULL keeps a row an open snapshot can see; eraseDeleted waits, and the row is gone", async () => {
    await deletedUnderSnapshot(1, "CANARY-held-row-51c7");
    // The failure this guards against: the table rewritten and checkpointed, the row still in it.
    await sql`vacuum full erasure_probe`.execute(database.db);
    await sql`checkpoint`.execute(database.db);
    const kept = foundAnywhere(await scan({ held: "CANARY-held-row-51c7" })).held ?? [];
    expect(kept.filter((file) => !file.includes("pg_wal")).length).toBeGreaterThan(0);

    // With the snapshot still open, the erasure refuses rather than claiming the row is gone.
    const refused = await eraseDeleted(database.db, ["erasure_probe"], { horizonWaitMs: 500 }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ErasureError);
    expect((refused as ErasureError).step).toBe("horizon");

    // The snapshot ends while the erasure waits; the erasure then drops the row from files and WAL.
    const erased = eraseDeleted(database.db, ["erasure_probe"]);
    setTimeout(() => void reader.query("commit"), 300);
    await erased;
    expect(foundAnywhere(await scan({ held: "CANARY-held-row-51c7" }))).not.toHaveProperty("held");
  }, 300_000);
});
