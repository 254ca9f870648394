// `custodian backup create | verify | restore` (OWN-4, PLAT-3). Create runs where the data lives (the
// server, over its admin socket, or this process); verify reads the archive alone; restore needs the
// data directory to itself, restores, then runs the retention purges at once before anything serves.
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArchiveError, verifyArchive } from "../backup/backup-archive.ts";
import { restoreBackup } from "../backup/backup-restore.ts";
import { NoSuchBackupError, scheduledNames, shelfFor, type BackupShelf } from "../backup/backup-schedule.ts";
import type { Config } from "../config/config.ts";
import { KeyLedger, keyLedgerDirectory } from "../crypto/key-ledger.ts";
import { loadMasterKey } from "../crypto/master-key.ts";
import { databaseTarget } from "../db/database.ts";
import { LocalBlobStore } from "../files/local-blob-store.ts";
import { S3BlobStore } from "../files/s3-blob-store.ts";
import { acquireLock } from "../platform/data-dir-lock.ts";
import { openPlatform } from "../platform/platform.ts";
import { cliLogger } from "./cli-logger.ts";
import { CommandError } from "./admin-client.ts";
import { operationCommand, type Command } from "./command.ts";

/** The installation's master key; never a new one (a new key opens no backup and would replace nothing). */
function existingMasterKey(config: Readonly<Config>): Buffer {
  if (config.masterKey.kind === "file" && !existsSync(config.masterKey.path))
    throw new CommandError(
      `No master key at ${config.masterKey.path}: put the installation's master key there ` +
        "(or give it as CUSTODIAN_MASTER_KEY); a backup opens only with the key that sealed it.",
    );
  return loadMasterKey(config.masterKey);
}

/** A one-line progress report on a terminal; nothing when the output is a file or a pipe. */
function progressLine(label: string): ((done: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let count = 0;
  return (done) => {
    count += 1;
    process.stderr.write(`\r${label}: ${count} parts, ${done.slice(0, 50).padEnd(50)}`);
  };
}

/** The scheduled backups' shelf the configuration names; a clear error when it names none. */
function configuredShelf(config: Readonly<Config>): BackupShelf {
  if (!config.backupShelf)
    throw new CommandError(
      "No scheduled backups are configured: set CUSTODIAN_BACKUP_DIR or CUSTODIAN_BACKUP_S3_BUCKET.",
    );
  return shelfFor(config.backupShelf);
}

/**
 * The archive a command reads: `--from FILE`, or `--scheduled NAME` (or `latest`), one of the scheduled
 * backups, copied first into a private temporary directory (it is sealed) that `done` removes.
 */
async function archiveOf(
  config: Readonly<Config>,
  flags: Record<string, unknown>,
): Promise<{ file: string; done(): Promise<void> }> {
  if (typeof flags.from === "string" && flags.scheduled === undefined)
    return { file: path.resolve(flags.from), done: async () => undefined };
  if (typeof flags.scheduled !== "string" || flags.from !== undefined)
    throw new CommandError("Give the backup with --from FILE, or --scheduled NAME (or latest).");
  const shelf = configuredShelf(config);
  const directory = await mkdtemp(path.join(tmpdir(), "custodian-restore-"));
  const done = async () => {
    shelf.close();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const name = flags.scheduled === "latest" ? (await scheduledNames(shelf)).at(-1) : flags.scheduled;
    if (!name) throw new CommandError("There is no scheduled backup yet.");
    const file = path.join(directory, `${path.basename(name)}.cbk`);
    await shelf.fetch(name, file).catch((error: unknown) => {
      throw error instanceof NoSuchBackupError ? new CommandError(error.message) : error;
    });
    return { file, done };
  } catch (error) {
    await done();
    throw error;
  }
}

async function archiveFailure<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ArchiveError) throw new CommandError(error.message);
    throw error;
  }
}

const verify: Command = {
  words: "backup verify",
  arguments: "FILE",
  usage: "[--scheduled NAME|latest] [--json]",
  description: "check a backup's seal and every part's checksum without restoring anything",
  options: { scheduled: { type: "string" }, json: { type: "boolean" } },
  async run({ config, arguments: files, flags, print }) {
    if (files.length > 1) throw new CommandError("Give one backup file to verify.");
    const archive = await archiveOf(config, { from: files[0], scheduled: flags.scheduled });
    const { header, manifest } = await archiveFailure(
      verifyArchive(archive.file, existingMasterKey(config)),
    ).finally(() => archive.done());
    const blobs = manifest.parts.filter((part) => part.name.startsWith("blob/")).length;
    const result = {
      ok: true,
      archiveId: header.archiveId,
      createdAt: header.createdAt,
      schemaVersion: header.schemaVersion,
      source: header.source,
      parts: manifest.parts.length,
      blobs,
    };
    print(
      result,
      `The backup is intact: taken ${header.createdAt} from ${header.source}, schema ${header.schemaVersion}, ` +
        `${manifest.parts.length - blobs} tables and ${blobs} blobs, every checksum matching.`,
    );
    return 0;
  },
};

const restore: Command = {
  words: "backup restore",
  usage: "--from FILE | --scheduled NAME|latest [--replace] [--database-url URL] [--json]",
  description:
    "restore a backup into the data directory's database, or a PostgreSQL server with --database-url; " +
    "objects deleted since the backup stay deleted",
  options: {
    from: { type: "string" },
    scheduled: { type: "string" },
    replace: { type: "boolean" },
    "database-url": { type: "string" },
    json: { type: "boolean" },
  },
  createsDataDir: true,
  async run({ config: loaded, flags, print }) {
    const url = typeof flags["database-url"] === "string" ? flags["database-url"] : loaded.databaseUrl;
    const config: Readonly<Config> = { ...loaded, databaseUrl: url };
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const masterKey = existingMasterKey(config);
    const lock = acquireLock(config.dataDir, "cli");
    if (!("release" in lock))
      throw new CommandError(
        `The data directory ${config.dataDir} is in use (${lock.role}): stop the server before restoring.`,
      );
    const archive = await archiveOf(config, flags).catch((error: unknown) => {
      lock.release();
      throw error;
    });
    let summary;
    const blobs =
      config.blobStore.kind === "s3"
        ? new S3BlobStore({
            bucket: config.blobStore.bucket,
            endpoint: config.blobStore.endpoint,
            region: config.blobStore.region,
          })
        : new LocalBlobStore(path.join(config.dataDir, "blobs"));
    try {
      summary = await archiveFailure(
        restoreBackup({
          file: archive.file,
          masterKey,
          target: databaseTarget(config),
          blobs,
          ledger: new KeyLedger(keyLedgerDirectory(config)),
          replace: flags.replace === true,
          progress: progressLine("restoring"),
        }),
      );
      if (process.stderr.isTTY) process.stderr.write("\n");
      // Before anything serves the restored data: retention for what expired since the backup.
      const platform = await openPlatform(config, cliLogger());
      try {
        // First, before anything is appended: the restored log is the backup's, shorter than what the
        // witnesses hold; a restart checkpoint makes it the one new checkpoints extend (SEC-4).
        await platform.audit.restart();
        for (const task of [
          platform.workspace.purgeTask,
          platform.privacy.purgeTask,
          platform.responses.purgeTask,
        ])
          await task.runOnce();
        await platform.audit.append({
          actor: "cli",
          action: "backup.restored",
          target: summary.archiveId,
          metadata: {
            schemaVersion: summary.schemaVersion,
            rows: summary.rows,
            blobs: summary.blobs,
            destroyed: summary.destroyed,
            target: url ? "postgresql" : "pglite",
          },
        });
      } finally {
        await platform.close();
      }
    } finally {
      if (blobs instanceof S3BlobStore) blobs.close();
      await archive.done();
      lock.release();
    }
    print(
      summary,
      `Restored backup ${summary.archiveId} (schema ${summary.schemaVersion}): ${summary.rows} rows, ` +
        `${summary.blobs} blobs; ${summary.destroyed} objects deleted since were destroyed again from the key ledger.`,
    );
    return 0;
  },
};

const list: Command = {
  words: "backup list",
  usage: "[--json]",
  description:
    "the scheduled backups kept (CUSTODIAN_BACKUP_DIR or CUSTODIAN_BACKUP_S3_BUCKET), oldest first",
  options: { json: { type: "boolean" } },
  async run({ config, print }) {
    const shelf = configuredShelf(config);
    try {
      const names = await scheduledNames(shelf);
      print({ backups: names }, names.length > 0 ? names.join("\n") : "No scheduled backup yet.");
    } finally {
      shelf.close();
    }
    return 0;
  },
};

export const backupCommands: Command[] = [
  operationCommand("backup create", "createBackup", {
    // The server resolves nothing against this shell's directory: the path goes absolute.
    input: (flags) => (typeof flags.out === "string" ? { out: path.resolve(flags.out) } : {}),
    text: (result) =>
      `Backup written to ${result.file}: ${result.tables} tables, ${result.rows} rows, ${result.blobs} blobs, ` +
      `${result.bytes} bytes, schema ${result.schemaVersion}.`,
  }),
  verify,
  restore,
  list,
];
