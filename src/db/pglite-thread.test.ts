// The embedded database on its own thread behaves as it did in-process: types, errors, transactions.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "./database.ts";

describe("embedded PGlite on a worker thread", () => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase({ url: null, pgliteDir: "memory://" });
    await sql`create table thread_probe (id int primary key, payload bytea, big int8)`.execute(db);
  });

  afterAll(async () => {
    await db.destroy();
  });

  it("returns bytea as Buffers and int8 as numbers, as node-postgres does", async () => {
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    await sql`insert into thread_probe values (1, ${payload}, 9007199254740991)`.execute(db);
    const { rows } = await sql<{
      payload: Buffer;
      big: number;
    }>`select payload, big from thread_probe where id = 1`.execute(db);
    expect(Buffer.isBuffer(rows[0]!.payload)).toBe(true);
    expect(rows[0]!.payload.equals(payload)).toBe(true);
    expect(rows[0]!.big).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("rethrows PostgreSQL's errors with their code, and without the query's parameters", async () => {
    const canary = "CANARY-thread-5e1d";
    const failure = await sql`insert into thread_probe values (1, ${Buffer.from(canary)}, 0)`
      .execute(db)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { code?: string }).code).toBe("23505");
    expect(JSON.stringify(failure, Object.getOwnPropertyNames(failure))).not.toContain(
      Buffer.from(canary).toString("hex"),
    );
  });

  it("commits and rolls back transactions", async () => {
    await db.transaction().execute(async (trx) => {
      await sql`insert into thread_probe values (2, null, 2)`.execute(trx);
    });
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into thread_probe values (3, null, 3)`.execute(trx);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    const { rows } = await sql<{ id: number }>`select id from thread_probe order by id`.execute(db);
    expect(rows.map((row) => row.id)).toEqual([1, 2]);
  });

  it("refuses queries once closed, instead of hanging", async () => {
    const other = await openDatabase({ url: null, pgliteDir: "memory://" });
    await other.destroy();
    await expect(sql`select 1`.execute(other)).rejects.toThrow();
  });

  it("lets a command-line run end once its work is done, without closing the database", () => {
    // The thread must not keep the process alive while idle: a CLI command that forgets to close
    // would otherwise hang instead of exiting.
    const script = `
      import { openDatabase } from ${JSON.stringify(new URL("./database.ts", import.meta.url).pathname)};
      const db = await openDatabase({ url: null, pgliteDir: "memory://" });
      console.log("opened");
    `;
    const file = path.join(mkdtempSync(path.join(tmpdir(), "custodian-thread-")), "cli.mjs");
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stdout).toContain("opened");
    expect(run.status).toBe(0);
  });
});
