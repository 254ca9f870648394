// Restoring an older backup rolls the audit log back behind what its witnesses hold. Without a restart,
// the log refuses to checkpoint and fails verification forever; with one (what `backup restore` signs),
// it checkpoints and verifies again, and verification reports the restart and what it superseded.
import { afterEach, describe, expect, it } from "vitest";
import { cutTail } from "../../test/helpers/audit-tamper.ts";
import { testAuditLog, type TestAuditLog } from "../../test/helpers/audit-log.ts";
import { epochsOf } from "./witness-epochs.ts";

async function append(log: TestAuditLog, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await log.audit.append({ actor: "test", action: "test.event" });
}

describe("witness epochs", () => {
  let log: TestAuditLog | null = null;
  afterEach(async () => {
    await log?.close();
    log = null;
  });

  it("[SEC-4] after a restore of an older log, a restart lets it checkpoint and verify again, and verification names the restart", async () => {
    log = await testAuditLog({ checkpointEvery: 1000 });
    await append(log, 5);
    await log.audit.checkpoint();
    await append(log, 5);
    await log.audit.checkpoint();
    // What restoring a backup taken at 5 entries leaves: the log and its own checkpoints as they were.
    await cutTail(log.database.db, 6);
    const restored = log.reopen();
    try {
      // The control: without a restart the witness's checkpoint of 10 entries stands against the log.
      await expect(restored.checkpoint()).rejects.toThrow(/fewer than the 10/);
      expect(await restored.verify()).toMatchObject({ ok: false });

      const restart = await restored.restart(new Date("2026-12-06T08:00:00.000Z"));
      expect(restart).toMatchObject({ size: 5, restartedAt: "2026-12-06T08:00:00.000Z" });
      await restored.append({ actor: "cli", action: "backup.restored" });
      await expect(restored.checkpoint()).resolves.toMatchObject({ size: 6 });
      expect(await restored.verify()).toEqual({
        ok: true,
        entries: 6,
        checkpoints: 2,
        newestCheckpoint: 6,
        restarts: [{ at: "2026-12-06T08:00:00.000Z", size: 5, superseded: 1 }],
      });
    } finally {
      await restored.close();
    }
  });

  it("[SEC-4] a log cut back without a restart still fails verification, naming the lost checkpoint", async () => {
    log = await testAuditLog({ checkpointEvery: 1000 });
    await append(log, 6);
    await log.audit.checkpoint();
    await cutTail(log.database.db, 4);
    await append(log, 3);
    const result = await log.reopen().verify();
    expect(result.ok).toBe(false);
  });

  it("a restart supersedes only the earlier checkpoints of larger trees, in the witness's order", () => {
    const at = (size: number, restartedAt?: string) => ({
      origin: "o",
      size,
      root: Buffer.alloc(32, size),
      note: String(size),
      ...(restartedAt ? { restartedAt } : {}),
    });
    const epochs = epochsOf([at(3), at(8), at(12), at(5, "2026-12-06T08:00:00.000Z"), at(9)]);
    expect(epochs.live.map((checkpoint) => checkpoint.size)).toEqual([3, 5, 9]);
    expect(epochs.superseded.map((checkpoint) => checkpoint.size)).toEqual([8, 12]);
    expect(epochs.restarts.map((checkpoint) => checkpoint.size)).toEqual([5]);
  });
});
