// Tampering with the audit log through the database alone (PGlite, or PostgreSQL with
// CUSTODIAN_TEST_DATABASE_URL): every way is detected by `verify`, which names the first bad entry or
// the missing range; each test first shows the untouched log verifies, so each can fail.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cutTail,
  deleteCheckpoints,
  rewriteEntry,
  swapEntries,
  wipe,
} from "../../test/helpers/audit-tamper.ts";
import { testAuditLog, type TestAuditLog } from "../../test/helpers/audit-log.ts";
import { signCheckpoint } from "./audit-checkpoint.ts";

describe("AuditLog", () => {
  let log: TestAuditLog;

  beforeEach(async () => {
    log = await testAuditLog({ checkpointEvery: 4 });
    for (let index = 1; index <= 10; index += 1) {
      await log.audit.append({
        actor: "cli",
        action: "test.event",
        target: `obj_${index}`,
        metadata: { index },
      });
    }
    // Checkpoints at 4 and 8 came with the appends; one more over all ten.
    expect((await log.audit.checkpoint())!.size).toBe(10);
    expect(await log.audit.verify()).toEqual({ ok: true, entries: 10, checkpoints: 3, newestCheckpoint: 10 });
  }, 180_000);
  afterEach(() => log.close());

  it("[SEC-4] changing one byte of one stored entry is detected at that entry", async () => {
    await sql`update audit_entries set action = 'test.evenu' where seq = 6`.execute(log.database.db);
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      seq: 6,
      lastSeq: 6,
      problem: "entry 6 does not match its leaf in the stored tree (the entry was changed)",
    });
  });

  it("[SEC-4] an entry rewritten with every hash recomputed and the checkpoints' copies deleted is detected", async () => {
    await rewriteEntry(log.database.db, 6, { recompute: true });
    await deleteCheckpoints(log.database.db);
    const result = await log.audit.verify();
    // Only the signed roots are left to tell: the entry lies between the checkpoints of 4 and 8.
    expect(result).toMatchObject({ ok: false, seq: 5, lastSeq: 8 });
    expect(result.ok === false && result.problem).toMatch(
      /^entries 5 to 8 do not match the checkpoint signed for 8/,
    );
  });

  it("[SEC-4] a cut tail, with the checkpoints' copies over it, is detected as the missing range", async () => {
    await cutTail(log.database.db, 7);
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      seq: 7,
      lastSeq: 10,
      problem: "entries 7 to 10 are missing: a signed checkpoint covers 10 entries",
    });
  });

  it("[SEC-4] a wiped log (entries, tree and checkpoints) is detected", async () => {
    await wipe(log.database.db);
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      entries: 0,
      seq: 1,
      lastSeq: 10,
      problem: "the log is empty, but a signed checkpoint covers 10 entries: entries 1 to 10 were deleted",
    });
  });

  it("[SEC-4] reordered entries are detected, with and without the hashes recomputed", async () => {
    await swapEntries(log.database.db, 3, 7, { recompute: false });
    expect(await log.audit.verify()).toMatchObject({ ok: false, seq: 3, lastSeq: 3 });
    await swapEntries(log.database.db, 3, 7, { recompute: false });
    expect((await log.audit.verify()).ok).toBe(true);
    await swapEntries(log.database.db, 3, 7, { recompute: true });
    expect(await log.audit.verify()).toMatchObject({ ok: false, seq: 1, lastSeq: 4 });
  });

  it("[SEC-4] deleting the database's checkpoints, even with the entries intact, is detected", async () => {
    await sql`delete from audit_checkpoints where tree_size = 4`.execute(log.database.db);
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      seq: 4,
      problem: "the database's copy of the checkpoint for 4 entries was deleted",
    });
  });

  it("[SEC-4] a checkpoint signed by another key, or a root changed in the database, is refused", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const [{ note }] = (
      await sql<{ note: string }>`select note from audit_checkpoints where tree_size = 8`.execute(
        log.database.db,
      )
    ).rows as [{ note: string }];
    const name = note.split("\n")[0]!;
    const forged = signCheckpoint(name, 8, randomBytes(32), { name, privateKey });
    await sql`update audit_checkpoints set note = ${forged.note}, root_hash = ${forged.root} where tree_size = 8`.execute(
      log.database.db,
    );
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      seq: 8,
      problem: "the database's checkpoint for 8 entries is forged or altered",
    });
  });

  it("[SEC-4] deleting subtrees of the stored tree is detected, and named by the entries they cover", async () => {
    await sql`delete from audit_tree_nodes where level = 2 and position = 1`.execute(log.database.db);
    expect(await log.audit.verify()).toMatchObject({ ok: false, seq: 5, lastSeq: 8 });
  });

  it("[SEC-4] refuses to sign a rewritten history, and logs, counts and raises the refusal", async () => {
    await rewriteEntry(log.database.db, 2, { recompute: true });
    await log.audit.append({ actor: "cli", action: "test.after" });
    await expect(log.audit.checkpoint()).rejects.toMatchObject({ code: "audit_checkpoint_refused" });
    expect(log.failures).toEqual([
      {
        stage: "refused",
        witness: null,
        problem:
          "No checkpoint was signed: the stored tree of 11 entries does not extend the checkpoint of 10 entries.",
      },
    ]);
    expect(log.logs()).toContain('"auditCheckpoint":"refused"');
    const metrics = await Promise.all(log.audit.metrics.map((metric) => metric.get()));
    const counted = metrics.find((metric) => metric.name === "custodian_audit_checkpoint_failures_total")!;
    expect(counted.values).toEqual([
      expect.objectContaining({ labels: { stage: "refused", witness: "none" }, value: 1 }),
    ]);
    // The same lasting failure pages once, however often the timer meets it.
    await log.audit.checkpoint().catch(() => undefined);
    expect(log.failures).toHaveLength(1);
  });

  it("[SEC-4] a witness record that cannot be read fails verification instead of being skipped", async () => {
    // A crash cut the last line short; the next checkpoint still lands on a line of its own.
    appendFileSync(log.witnessFile, '{"at":"2026-01-01T00:00:00.000Z","tree_si');
    await log.audit.append({ actor: "cli", action: "test.event" });
    expect((await log.audit.checkpoint())!.size).toBe(11);
    const lines = readFileSync(log.witnessFile, "utf8").trim().split("\n");
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ tree_size: 11 });
    expect(await log.audit.verify()).toMatchObject({
      ok: false,
      problem: `unreadable checkpoint records: audit-checkpoints.jsonl line ${lines.length - 1}`,
    });
  });

  it("refuses long free text in metadata, which is how content would leak in", async () => {
    await expect(
      log.audit.append({ actor: "cli", action: "x", metadata: { note: "y".repeat(500) } }),
    ).rejects.toThrow(/too long/);
  });
});
