// Private temporary directories for the plaintext that fine-tuning cannot avoid on disk (SEC-1): the
// trainer's output weights (llama.cpp saves to a path) and a model's weights while llama.cpp loads
// them. Each is a fresh 0700 directory named with this process's id, removed by its user as soon as
// the plaintext is read; `sweepLeftovers` removes those a crashed process left (its id no longer
// runs), at the start of the fine-tuning worker and before a model loads.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export type PrivateTempKind = "train" | "ft";

const pattern = /^custodian-(train|ft)-(\d+)-/;
/** Directories named before ids were part of the name: removed once nobody could still be using them. */
const legacy = /^custodian-(train|ft)-[A-Za-z0-9]{6}$/;
const legacyAgeMs = 24 * 3600 * 1000;

/** A fresh private (0700) directory for plaintext that must touch the disk for a moment. */
export function privateTempDir(kind: PrivateTempKind, root: string = tmpdir()): Promise<string> {
  return mkdtemp(path.join(root, `custodian-${kind}-${process.pid}-`));
}

function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove the directories a crashed process left; returns their names. */
export async function sweepLeftovers(root: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root)) {
    const match = pattern.exec(name);
    let stale = match !== null && !running(Number(match[2]));
    if (!match && legacy.test(name)) {
      const info = await stat(path.join(root, name)).catch(() => null);
      stale = info !== null && Date.now() - info.mtimeMs > legacyAgeMs;
    }
    if (!stale) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
