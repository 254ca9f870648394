// The files module: uploaded files (/v1/files), sealed in the blob store (local or S3), the hourly
// sweep of uploads a crash or a failed removal left behind, and the deletion of files whose
// `expires_after` has passed (their failures are logged, counted and paged like every periodic task's).
import { FileService } from "../../files/file-service.ts";
import { PeriodicTask } from "../../jobs/periodic-task.ts";
import { filesExportSection } from "../../privacy/export-sections.ts";
import { defineModule } from "../module.ts";

/** How old an unstored upload must be before the sweep removes it (another node may be mid-upload). */
const unstoredAgeMs = 3_600_000;

/** How often expired files are deleted; they are refused from the moment they expire. */
const expiryIntervalMs = 300_000;

export const filesModule = defineModule({
  name: "files",
  needs: {},
  migrations: ["0800-fine-tuning", "0810-file-upload-state", "1130-file-expiry"],
  operations: {},
  create({ db, keyring, audit, blobs, logger }) {
    const files = new FileService({ db, keyring, audit, blobs });
    const sweep = new PeriodicTask({
      name: "files.sweep-unstored",
      intervalMs: unstoredAgeMs,
      db,
      logger,
      run: async () => void (await files.sweepUnstored(unstoredAgeMs)),
    });
    const expiry = new PeriodicTask({
      name: "files.delete-expired",
      intervalMs: expiryIntervalMs,
      db,
      logger,
      run: async () => void (await files.deleteExpired()),
    });
    return {
      exports: { files, blobs },
      exportSections: [filesExportSection(files)],
      tasks: [sweep, expiry],
    };
  },
});
