// The backup module (OWN-4): `createBackup` as an operation that runs where the data lives, writing a
// sealed archive of one database snapshot and the blobs it references; and, when CUSTODIAN_BACKUP_DIR or
// CUSTODIAN_BACKUP_S3_BUCKET is set, scheduled backups with a retention count (one node at a time).
import { createBackup } from "../../backup/backup-create.ts";
import { backupOperations } from "../../backup/backup-operations.ts";
import { scheduledBackup, shelfFor } from "../../backup/backup-schedule.ts";
import { loadMasterKey } from "../../crypto/master-key.ts";
import { PeriodicTask } from "../../jobs/periodic-task.ts";
import { defineModule } from "../module.ts";
import { filesModule } from "./files-module.ts";

export const backupModule = defineModule({
  name: "backup",
  needs: { files: filesModule },
  migrations: [],
  operations: backupOperations,
  create({ config, db, audit, logger }, { files }) {
    const masterKey = loadMasterKey(config.masterKey);
    const create = (file: string, actor: string) =>
      createBackup({ db, blobs: files.blobs, masterKey, audit }, file, actor);
    const shelf = config.backupShelf && shelfFor(config.backupShelf);
    const tasks = shelf
      ? [
          new PeriodicTask({
            name: "backup.scheduled",
            intervalMs: config.backupIntervalMs,
            db,
            logger,
            run: async () =>
              void (await scheduledBackup({
                shelf,
                keep: config.backupKeep,
                create: (file) => create(file, "system"),
              })),
          }),
        ]
      : [];
    return { exports: { create }, tasks, close: async () => shelf?.close() };
  },
});
