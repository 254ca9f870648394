// Scheduled backups (OWN-4): a periodic task takes a backup named `custodian-<time>` onto a shelf (a
// directory, or an S3 bucket) and keeps the newest N, deleting older ones, so no backup outlives the
// retention an operator chose. A bucket's backup is written to a private temporary file first (it is
// sealed: no plaintext ever touches that disk), uploaded, then removed.
import { createReadStream, mkdirSync, readdirSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3BlobStore } from "../files/s3-blob-store.ts";
import type { BackupSummary } from "./backup-create.ts";

const scheduledName = /^custodian-[0-9TZ-]+$/;

/** Where scheduled backups are kept, by name. */
export interface BackupShelf {
  /** Takes a backup (`create` writes it to the file it is given) and keeps it under `name`. */
  put(name: string, create: (file: string) => Promise<BackupSummary>): Promise<BackupSummary>;
  /** The names of the backups kept. */
  names(): Promise<string[]>;
  remove(name: string): Promise<void>;
}

/** Backups as `<name>.cbk` files in `directory` (made 0700 if missing). */
export function directoryShelf(directory: string): BackupShelf {
  const file = (name: string) => path.join(directory, `${name}.cbk`);
  return {
    put(name, create) {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      return create(file(name));
    },
    async names() {
      return readdirSync(directory)
        .filter((entry) => entry.endsWith(".cbk"))
        .map((entry) => entry.slice(0, -".cbk".length));
    },
    async remove(name) {
      rmSync(file(name), { force: true });
    },
  };
}

/** The bucket's namespace for backups: keys `backups/<name>`. */
export const bucketNamespace = "backups";

/** Backups as objects `backups/<name>` in an S3 bucket. */
export function bucketShelf(bucket: S3BlobStore): BackupShelf {
  return {
    async put(name, create) {
      const directory = await mkdtemp(path.join(tmpdir(), "custodian-backup-"));
      try {
        const file = path.join(directory, `${name}.cbk`);
        const summary = await create(file);
        await bucket.write(`${bucketNamespace}/${name}`, createReadStream(file));
        return summary;
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
    async names() {
      return (await bucket.keys(bucketNamespace)).map((key) => key.slice(bucketNamespace.length + 1));
    },
    remove: (name) => bucket.delete(`${bucketNamespace}/${name}`),
  };
}

export async function scheduledBackup(options: {
  shelf: BackupShelf;
  keep: number;
  create(file: string): Promise<BackupSummary>;
}): Promise<BackupSummary> {
  const name = `custodian-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const summary = await options.shelf.put(name, options.create);
  const backups = (await options.shelf.names()).filter((entry) => scheduledName.test(entry)).sort();
  for (const old of backups.slice(0, Math.max(0, backups.length - options.keep)))
    await options.shelf.remove(old);
  return summary;
}
