// `custodian serve` starts the embedded database before the rest of the program loads: under the data
// directory's lock, taken over by openDatabase and startServer, and harmless when nothing takes it over.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.ts";
import { pgliteDirectory, startEarly, takeEarlyStart } from "../db/embedded-database.ts";
import { lockFile } from "./data-dir-lock.ts";
import { startEarlyServe, takeEarlyLock } from "./early-serve.ts";

const directories: string[] = [];
function dataDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), "custodian-early-"));
  directories.push(directory);
  return directory;
}

/** Runs `work` with CUSTODIAN_DATA_DIR (and `more`) set, as `custodian serve` would find them. */
async function withEnvironment<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("the early start of the embedded database", () => {
  it("takes the data directory's lock, and openDatabase and startServer take over the database and the lock", async () => {
    const dataDir = dataDirectory();
    await withEnvironment({ CUSTODIAN_DATA_DIR: dataDir }, async () => {
      startEarlyServe();
      expect(JSON.parse(readFileSync(lockFile(dataDir), "utf8"))).toEqual({
        pid: process.pid,
        role: "server",
      });
      const db = await openDatabase({ url: null, pgliteDir: pgliteDirectory(dataDir) });
      try {
        // Migrated, and taken over: nothing is left for a second taker.
        const { rows } = await sql<{
          count: number;
        }>`select count(*)::int as count from kysely_migration`.execute(db);
        expect(rows[0]!.count).toBeGreaterThan(0);
        expect(await takeEarlyStart({ pgliteDir: pgliteDirectory(dataDir) }, true)).toBeNull();
      } finally {
        await db.destroy();
      }
      const release = takeEarlyLock(dataDir);
      expect(release).not.toBeNull();
      expect(takeEarlyLock(dataDir)).toBeNull();
      release!();
      expect(existsSync(lockFile(dataDir))).toBe(false);
    });
  });

  it("starts nothing while another server holds the lock, or on a PostgreSQL server", async () => {
    const held = dataDirectory();
    // A live process other than this one (the runner that forked it) holds the lock.
    writeFileSync(lockFile(held), JSON.stringify({ pid: process.ppid, role: "server" }));
    await withEnvironment({ CUSTODIAN_DATA_DIR: held }, async () => startEarlyServe());
    expect(takeEarlyLock(held)).toBeNull();
    expect(await takeEarlyStart({ pgliteDir: pgliteDirectory(held) }, true)).toBeNull();

    const server = dataDirectory();
    await withEnvironment(
      { CUSTODIAN_DATA_DIR: server, CUSTODIAN_DATABASE_URL: "postgres://127.0.0.1:5432/unused" },
      async () => startEarlyServe(),
    );
    expect(existsSync(lockFile(server))).toBe(false);
    expect(takeEarlyLock(server)).toBeNull();
  });

  it("closes a database started for other files, or for a restore, before anything else opens them", async () => {
    const started = { pgliteDir: pgliteDirectory(dataDirectory()) };
    for (const [target, migrated] of [
      [{ pgliteDir: pgliteDirectory(dataDirectory()) }, true],
      [started, false],
    ] as const) {
      startEarly(started);
      expect(await takeEarlyStart(target, migrated)).toBeNull();
    }
    // Closed, not left open beside the database opened instead: the same files open again.
    const db = await openDatabase({ url: null, ...started });
    await db.destroy();
  });

  it("does not hold the process open when nothing takes it over, and leaves the files to open again", async () => {
    const module = new URL("../db/embedded-database.ts", import.meta.url).pathname;
    const target = { pgliteDir: pgliteDirectory(dataDirectory()) };
    const script = `
      import { startEarly } from ${JSON.stringify(module)};
      startEarly(${JSON.stringify(target)});
      console.log("started");
    `;
    const file = path.join(dataDirectory(), "early.mjs");
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 120_000 });
    expect(run.stdout).toContain("started");
    expect(run.status).toBe(0);
    const db = await openDatabase({ url: null, ...target });
    await db.destroy();
  });
});
