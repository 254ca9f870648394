// Scheduled backups (OWN-4): a periodic task takes a backup named `custodian-<time>` onto a shelf (a
// directory, or an S3 bucket) and keeps the newest N, deleting older ones, so no backup outlives the
// retention an operator chose. A bucket's backup is written to a private temporary file first (it is
// sealed: no plaintext ever touches that disk), uploaded, then removed.
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BackupShelfConfig } from "../config/config.ts";
import { S3BlobStore } from "../files/s3-blob-store.ts";
import type { BackupSummary } from "./backup-create.ts";

const scheduledName = /^custodian-[0-9TZ-]+$/;

/** Where scheduled backups are kept, by name. */
export interface BackupShelf {
  /** Takes a backup (`create` writes it to the file it is given) and keeps it under `name`. */
  put(name: string, create: (file: string) => Promise<BackupSummary>): Promise<BackupSummary>;
  /** The names of the backups kept. */
  names(): Promise<string[]>;
  /** Copies the backup kept under `name` into `file` (to verify or restore it); throws if there is none. */
  fetch(name: string, file: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** Releases connections (a bucket's client). */
  close(): void;
}

/** No scheduled backup of that name. */
export class NoSuchBackupError extends Error {
  override readonly name = "NoSuchBackupError";
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
    async fetch(name, into) {
      if (!existsSync(file(name))) throw new NoSuchBackupError(`No scheduled backup named ${name}.`);
      copyFileSync(file(name), into);
    },
    async remove(name) {
      rmSync(file(name), { force: true });
    },
    close() {},
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
    async fetch(name, into) {
      if (!(await this.names()).includes(name))
        throw new NoSuchBackupError(`No scheduled backup named ${name}.`);
      await pipeline(bucket.read(`${bucketNamespace}/${name}`), createWriteStream(into, { mode: 0o600 }));
    },
    remove: (name) => bucket.delete(`${bucketNamespace}/${name}`),
    close: () => bucket.close(),
  };
}

/** The shelf the configuration names (CUSTODIAN_BACKUP_DIR or CUSTODIAN_BACKUP_S3_BUCKET). */
export function shelfFor(config: BackupShelfConfig): BackupShelf {
  if (config.kind === "directory") return directoryShelf(config.directory);
  return bucketShelf(
    new S3BlobStore({ bucket: config.bucket, endpoint: config.endpoint, region: config.region }),
  );
}

/** The scheduled backups' names, oldest first (their names sort by time). */
export async function scheduledNames(shelf: BackupShelf): Promise<string[]> {
  return (await shelf.names()).filter((entry) => scheduledName.test(entry)).sort();
}

export async function scheduledBackup(options: {
  shelf: BackupShelf;
  keep: number;
  create(file: string): Promise<BackupSummary>;
}): Promise<BackupSummary> {
  const name = `custodian-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const summary = await options.shelf.put(name, options.create);
  const backups = await scheduledNames(options.shelf);
  for (const old of backups.slice(0, Math.max(0, backups.length - options.keep)))
    await options.shelf.remove(old);
  return summary;
}
