// The backup module (OWN-4): `createBackup` as an operation that runs where the data lives, writing a
// sealed archive of one database snapshot and the blobs it references.
import { createBackup } from "../../backup/backup-create.ts";
import { backupOperations } from "../../backup/backup-operations.ts";
import { loadMasterKey } from "../../crypto/master-key.ts";
import { defineModule } from "../module.ts";
import { filesModule } from "./files-module.ts";

export const backupModule = defineModule({
  name: "backup",
  needs: { files: filesModule },
  migrations: [],
  operations: backupOperations,
  create({ config, db, audit }, { files }) {
    const masterKey = loadMasterKey(config.masterKey);
    return {
      exports: {
        create: (file: string, actor: string) =>
          createBackup({ db, blobs: files.blobs, masterKey, audit }, file, actor),
      },
    };
  },
});
