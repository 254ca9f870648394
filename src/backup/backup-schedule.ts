// Scheduled backups (OWN-4): a periodic task writes `custodian-<time>.cbk` into the configured directory
// and keeps the newest N, deleting older ones, so no backup outlives the retention an operator chose.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { BackupSummary } from "./backup-create.ts";

const scheduledName = /^custodian-[0-9TZ-]+\.cbk$/;

export async function scheduledBackup(options: {
  directory: string;
  keep: number;
  create(file: string): Promise<BackupSummary>;
}): Promise<BackupSummary> {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const name = `custodian-${new Date().toISOString().replace(/[:.]/g, "-")}.cbk`;
  const summary = await options.create(path.join(options.directory, name));
  const backups = readdirSync(options.directory)
    .filter((file) => scheduledName.test(file))
    .sort();
  for (const old of backups.slice(0, Math.max(0, backups.length - options.keep)))
    rmSync(path.join(options.directory, old), { force: true });
  return summary;
}
