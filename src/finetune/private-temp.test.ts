import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { privateTempDir, sweepLeftovers } from "./private-temp.ts";

describe("private temporary directories for fine-tuning plaintext", () => {
  const root = mkdtempSync(path.join(tmpdir(), "custodian-private-temp-test-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("[SEC-1] are 0700 and named with this process's id", async () => {
    const directory = await privateTempDir("train", root);
    expect(path.basename(directory)).toMatch(new RegExp(`^custodian-train-${process.pid}-`));
    expect(statSync(directory).mode & 0o777).toBe(0o700);
  });

  it("[SEC-1] the start-up sweep removes what a crashed process left, and nothing a live one uses", async () => {
    // A process that has exited: its id runs no longer.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const crashed = path.join(root, `custodian-train-${dead}-abc123`);
    mkdirSync(crashed);
    writeFileSync(path.join(crashed, "model.gguf"), "plaintext weights");
    const loading = path.join(root, `custodian-ft-${dead}-def456`);
    mkdirSync(loading);
    const old = path.join(root, "custodian-train-Zq81xY");
    mkdirSync(old);
    const past = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(old, past, past);
    // Kept: this live process's own directory, a recent legacy one, and anything else.
    const live = await privateTempDir("ft", root);
    const recent = path.join(root, "custodian-train-Ab12Cd");
    mkdirSync(recent);
    const unrelated = path.join(root, "custodian-fine-tuning-test-x");
    mkdirSync(unrelated);

    const removed = await sweepLeftovers(root);
    expect(removed.sort()).toEqual(
      [path.basename(crashed), path.basename(loading), path.basename(old)].sort(),
    );
    const left = readdirSync(root);
    for (const kept of [live, recent, unrelated]) expect(left).toContain(path.basename(kept));
    for (const gone of [crashed, loading, old]) expect(left).not.toContain(path.basename(gone));
  });
});
