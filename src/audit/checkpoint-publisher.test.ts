// When and where checkpoints are published: the witness file (0600, append-only, fsync'd), on the timer
// while entries arrive, at shutdown; witness failures reported; the signing key kept out of the database.
import { open, readFile } from "node:fs/promises";
import { existsSync, readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testAuditLog, type TestAuditLog } from "../../test/helpers/audit-log.ts";
import { openCheckpointIndependently } from "../../test/helpers/independent-proof-check.ts";
import { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { loadAuditSigningKey } from "./audit-signing-key.ts";

/** Poll until `check` holds; generous, for a busy machine. */
async function until(check: () => Promise<boolean> | boolean, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(50);
  }
}

function witnessSizes(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { tree_size: number }).tree_size);
}

/** Every table's every value, as bytes and text, searched for `needle`. */
async function databaseHolds(db: Db, needle: Buffer): Promise<string[]> {
  const found: string[] = [];
  const forms = [needle.toString("hex"), needle.toString("base64")];
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'public'`.execute(db);
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows) {
      for (const [column, value] of Object.entries(row)) {
        const hit =
          (value instanceof Uint8Array && Buffer.from(value).indexOf(needle) >= 0) ||
          (typeof value === "string" && forms.some((form) => value.includes(form)));
        if (hit) found.push(`${name}.${column}`);
      }
    }
  }
  return found;
}

describe("checkpoint publishing", () => {
  let log: TestAuditLog | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await log?.close();
    log = null;
  });

  it("[SEC-4] the witness file is 0600, append-only and fsync'd before a checkpoint counts as made", async () => {
    log = await testAuditLog({ checkpointEvery: 3 });
    // Every fs handle shares one prototype: record the writes and syncs made to it, in order.
    const probe = await open(log.keyFile, "r");
    const prototype = Object.getPrototypeOf(probe) as { write: () => unknown; sync: () => unknown };
    await probe.close();
    const calls: string[] = [];
    const write = prototype.write;
    const sync = prototype.sync;
    vi.spyOn(prototype, "write").mockImplementation(function (this: unknown, ...args: unknown[]) {
      calls.push("write");
      return (write as (...parameters: unknown[]) => unknown).apply(this, args);
    });
    vi.spyOn(prototype, "sync").mockImplementation(function (this: unknown, ...args: unknown[]) {
      calls.push("sync");
      return (sync as (...parameters: unknown[]) => unknown).apply(this, args);
    });
    for (let index = 0; index < 3; index += 1) await log.audit.append({ actor: "cli", action: "test.event" });
    // The append that made the checkpoint returned after the line was written and synced.
    expect(calls.slice(0, 2)).toEqual(["write", "sync"]);
    expect(witnessSizes(log.witnessFile)).toEqual([3]);
    expect(statSync(log.witnessFile).mode & 0o777).toBe(0o600);
    const first = await readFile(log.witnessFile);
    for (let index = 0; index < 3; index += 1) await log.audit.append({ actor: "cli", action: "test.event" });
    const second = await readFile(log.witnessFile);
    expect(second.length).toBeGreaterThan(first.length);
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    expect(witnessSizes(log.witnessFile)).toEqual([3, 6]);
    const line = JSON.parse(second.toString("utf8").split("\n")[1]!) as { note: string };
    expect(openCheckpointIndependently(line.note, log.audit.verifierKey!)).toMatchObject({ size: 6 });
  }, 120_000);

  it("[SEC-4] while entries arrive a checkpoint is published on the timer, without waiting for N entries", async () => {
    // The timer's minute is 100 ms here; nothing else would sign fewer than 1000 entries.
    log = await testAuditLog({ checkpointEvery: 1000, intervalMs: 100 });
    log.audit.start();
    for (let index = 0; index < 3; index += 1) await log.audit.append({ actor: "cli", action: "test.event" });
    await until(() => witnessSizes(log!.witnessFile).includes(3));
    await log.audit.append({ actor: "cli", action: "test.event" });
    await until(() => witnessSizes(log!.witnessFile).includes(4));
    // No new entries, no new checkpoints (however many ticks went by).
    const published = witnessSizes(log.witnessFile);
    expect(published.at(-1)).toBe(4);
    await sleep(1_000);
    expect(witnessSizes(log.witnessFile)).toEqual(published);
  }, 120_000);

  it("[SEC-4] shutting down publishes a checkpoint of every entry written until then", async () => {
    log = await testAuditLog({ checkpointEvery: 1000 });
    log.audit.start();
    for (let index = 0; index < 5; index += 1) await log.audit.append({ actor: "cli", action: "test.event" });
    expect(witnessSizes(log.witnessFile)).toEqual([]);
    await log.audit.close();
    expect(witnessSizes(log.witnessFile)).toEqual([5]);
    // A restarted process continues the same log and verifies it against what was published.
    const reopened = log.reopen();
    expect(await reopened.verify()).toMatchObject({ ok: true, entries: 5, newestCheckpoint: 5 });
  }, 120_000);

  it("[SEC-4] a witness that fails is logged, counted and raised; the checkpoint itself stands", async () => {
    log = await testAuditLog({
      checkpointEvery: 2,
      witnesses: [
        {
          name: "broken",
          publish: () => Promise.reject(new Error("receiver down")),
        },
      ],
    });
    await log.audit.append({ actor: "cli", action: "test.event" });
    await log.audit.append({ actor: "cli", action: "test.event" });
    await log.audit.flush();
    expect(witnessSizes(log.witnessFile)).toEqual([2]);
    expect(log.failures).toEqual([{ stage: "witness", witness: "broken", problem: "Error: receiver down" }]);
    expect(log.logs()).toContain('"witness":"broken"');
    const metrics = await Promise.all(log.audit.metrics.map((metric) => metric.get()));
    expect(
      metrics.find((metric) => metric.name === "custodian_audit_checkpoint_failures_total")!.values,
    ).toEqual([expect.objectContaining({ labels: { stage: "witness", witness: "broken" }, value: 1 })]);
  }, 120_000);

  it("[SEC-4] the signing key lives in its own 0600 file, sealed, and never in the database", async () => {
    log = await testAuditLog({ checkpointEvery: 2 });
    for (let index = 0; index < 4; index += 1) await log.audit.append({ actor: "cli", action: "test.event" });
    expect(statSync(log.keyFile).mode & 0o777).toBe(0o600);
    const key = loadAuditSigningKey(log.keyFile, new Keyring(log.database.db, log.masterKey));
    const pkcs8 = key.privateKey.export({ format: "der", type: "pkcs8" });
    const seed = pkcs8.subarray(pkcs8.length - 32);
    expect(readFileSync(log.keyFile).indexOf(seed)).toBe(-1);
    expect(readFileSync(log.keyFile, "utf8")).not.toContain(seed.toString("base64"));
    // Positive control: the scan finds the key's bytes where they were put on purpose.
    await sql`create table key_canary (value bytea)`.execute(log.database.db);
    await sql`insert into key_canary values (${pkcs8})`.execute(log.database.db);
    expect(await databaseHolds(log.database.db, seed)).toEqual(["key_canary.value"]);
    await sql`drop table key_canary`.execute(log.database.db);
    expect(await databaseHolds(log.database.db, seed)).toEqual([]);
  }, 120_000);
});
