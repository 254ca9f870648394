import { Writable } from "node:stream";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { openDatabase, type Db } from "../db/database.ts";
import { PeriodicTask, periodicTaskFailures, type TaskFailure } from "./periodic-task.ts";

const silent = pino({ level: "silent" });

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("PeriodicTask", () => {
  let database: TestDatabase;
  /** A second node: its own connection pool on PostgreSQL; on PGlite the one process's database. */
  let otherNode: Db;

  beforeAll(async () => {
    database = await testDatabase();
    otherNode = database.url
      ? await openDatabase({ url: database.url, pgliteDir: "memory://" })
      : database.db;
  });
  afterAll(async () => {
    if (otherNode !== database?.db) await otherNode?.destroy();
    await database?.close();
  });

  it("runs a task at most once at a time across nodes, and frees the lock after", async () => {
    const running = gate();
    const release = gate();
    let runs = 0;
    const first = new PeriodicTask({
      name: "test.once",
      intervalMs: 60_000,
      db: database.db,
      logger: silent,
      run: async () => {
        runs += 1;
        running.open();
        await release.opened;
      },
    });
    const second = new PeriodicTask({
      name: "test.once",
      intervalMs: 60_000,
      db: otherNode,
      logger: silent,
      run: async () => {
        runs += 1;
      },
    });
    const firstRun = first.runOnce();
    await running.opened;
    expect(await second.runOnce()).toBe(false);
    release.open();
    expect(await firstRun).toBe(true);
    expect(await second.runOnce()).toBe(true);
    expect(runs).toBe(2);
  });

  it("lets the task use the database while it runs (the embedded database has one session)", async () => {
    let seen = 0;
    const task = new PeriodicTask({
      name: "test.queries",
      intervalMs: 60_000,
      db: database.db,
      logger: silent,
      run: async () => {
        const result = await sql<{ value: number }>`select 41 + 1 as value`.execute(database.db);
        seen = result.rows[0]!.value;
      },
    });
    expect(await task.runOnce()).toBe(true);
    expect(seen).toBe(42);
  });

  it("logs a failed run without its message and tries again next time", async () => {
    let logged = "";
    const logger = pino(
      { level: "error" },
      new Writable({
        write(chunk, _encoding, done) {
          logged += String(chunk);
          done();
        },
      }),
    );
    let attempts = 0;
    const task = new PeriodicTask({
      name: "test.failing",
      intervalMs: 60_000,
      db: database.db,
      logger,
      retries: 0,
      run: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("CANARY-task-failure-4e1");
      },
    });
    expect(await task.runOnce()).toBe(false);
    expect(await task.runOnce()).toBe(true);
    expect(logged).toContain("periodic task failed");
    expect(logged).not.toContain("CANARY");
  });

  it("[OWN-4] retries a failed turn, then counts it and reports it to its listeners; never swallows it", async () => {
    const failures: TaskFailure[] = [];
    const counted = async () =>
      (await periodicTaskFailures.get()).values.find((value) => value.labels.task === "test.retried")
        ?.value ?? 0;
    const before = await counted();
    let attempts = 0;
    const task = new PeriodicTask({
      name: "test.retried",
      intervalMs: 60_000,
      db: database.db,
      logger: silent,
      retries: 2,
      retryDelayMs: 1,
      run: async () => {
        attempts += 1;
        throw Object.assign(new Error("CANARY-erasure-7c2"), { name: "ErasureError", step: "vacuum" });
      },
    });
    task.onFailure.push((failure) => failures.push(failure));
    expect(await task.runOnce()).toBe(false);
    expect(attempts).toBe(3);
    expect(failures).toEqual([{ task: "test.retried", attempts: 3, error: "ErasureError", step: "vacuum" }]);
    expect(await counted()).toBe(before + 1);
    // Positive control: a turn that succeeds on a retry is neither counted nor reported.
    attempts = 0;
    const flaky = new PeriodicTask({
      name: "test.retried",
      intervalMs: 60_000,
      db: database.db,
      logger: silent,
      retryDelayMs: 1,
      run: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("once");
      },
    });
    flaky.onFailure.push((failure) => failures.push(failure));
    expect(await flaky.runOnce()).toBe(true);
    expect(failures).toHaveLength(1);
    expect(await counted()).toBe(before + 1);
  });

  it("runs on its schedule until stopped, and stop waits for the run in progress", async () => {
    let runs = 0;
    let inRun = false;
    const task = new PeriodicTask({
      name: "test.schedule",
      intervalMs: 20,
      firstRunMs: 0,
      db: database.db,
      logger: silent,
      run: async () => {
        inRun = true;
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 15));
        inRun = false;
      },
    });
    task.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await task.stop();
    expect(inRun).toBe(false);
    const after = runs;
    expect(after).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs).toBe(after);
  });
});
