// A batch insert (rows as one JSON parameter) writes what Kysely's builder would, and parameters cross
// to the database thread at their own size.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchInsert } from "./batch-insert.ts";
import { openDatabase, type Db } from "./database.ts";
import { exactSize } from "./pglite-thread.ts";

describe("batchInsert", () => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase({ url: null, pgliteDir: "memory://" });
    await sql`create table batch_probe (id text primary key, "odd ""name""" int, payload bytea, at timestamptz,
      note text default 'default')`.execute(db);
  });

  afterAll(async () => {
    await db.destroy();
  });

  it("writes every row with its values, NULL for an undefined one, and returns what the suffix asks", async () => {
    const at = new Date("2026-01-02T03:04:05.000Z");
    const rows = [
      { id: "a", 'odd "name"': 1, payload: Buffer.from([1, 2, 3]), at },
      { id: "b", 'odd "name"': undefined, payload: Buffer.from("x"), at },
    ];
    const columns = ["id", 'odd "name"', "payload", "at"];
    const returned = await batchInsert<{ id: string }>(db, "batch_probe", columns, rows, 'returning "id"');
    expect(returned.map((row) => row.id)).toEqual(["a", "b"]);
    // The same shape again: the kept statement text, and a conflict clause that skips both rows.
    const again = await batchInsert(
      db,
      "batch_probe",
      columns,
      rows,
      'on conflict ("id") do nothing returning "id"',
    );
    expect(again).toEqual([]);
    const { rows: stored } = await sql<{
      id: string;
      odd: number | null;
      payload: Buffer;
      at: Date;
      note: string;
    }>`select id, "odd ""name""" as odd, payload, at, note from batch_probe order by id`.execute(db);
    expect(
      stored.map((row) => [row.id, row.odd, row.payload.toString("hex"), row.at.toISOString(), row.note]),
    ).toEqual([
      ["a", 1, "010203", at.toISOString(), "default"],
      ["b", null, "78", at.toISOString(), "default"],
    ]);
  });

  it("writes a lone surrogate as U+FFFD instead of failing the whole batch", async () => {
    const rows = [
      { id: "lone", 'odd "name"': 2, payload: Buffer.alloc(0), at: new Date(), note: "a\ud800b" },
      { id: "fine", 'odd "name"': 3, payload: Buffer.alloc(0), at: new Date(), note: "plain" },
    ];
    await batchInsert(db, "batch_probe", ["id", 'odd "name"', "payload", "at", "note"], rows);
    const { rows: stored } = await sql<{ id: string; note: string }>`select id, note from batch_probe
      where id in ('lone', 'fine') order by id`.execute(db);
    expect(stored).toEqual([
      { id: "fine", note: "plain" },
      { id: "lone", note: "a\ufffdb" },
    ]);
  });

  it("writes nothing and sends no statement for no rows", async () => {
    expect(await batchInsert(db, "no_such_table", ["id"], [])).toEqual([]);
  });
});

describe("exactSize", () => {
  it("copies a Buffer that views a larger pool into one of its own size, and leaves other values", () => {
    const pooled = Buffer.from("sealed record");
    // Positive control: a small Buffer really is a view into Node's shared pool.
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const own = Buffer.alloc(4, 7);
    const date = new Date();
    const [copied, kept, text, when] = exactSize([pooled, own, "text", date]) as [
      Uint8Array,
      Buffer,
      string,
      Date,
    ];
    expect(copied.buffer.byteLength).toBe(pooled.byteLength);
    expect(Buffer.from(copied).equals(pooled)).toBe(true);
    expect(kept).toBe(own);
    expect(text).toBe("text");
    expect(when).toBe(date);
  });
});
