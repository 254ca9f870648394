// `custodian backup create` (OWN-4, PLAT-3): one consistent snapshot of the database, then every blob
// it references, streamed into a sealed archive while the platform serves.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { isEmbedded } from "../db/database.ts";
import { BlobNotFoundError, type BlobStore } from "../files/blob-store.ts";
import { ArchiveWriter } from "./backup-archive.ts";
import { blobKeys, schemaVersionOf, tableNames, tableRows, withSnapshot } from "./database-dump.ts";

export interface BackupSummary {
  file: string;
  archiveId: string;
  schemaVersion: string;
  tables: number;
  rows: number;
  blobs: number;
  bytes: number;
}

export interface BackupSources {
  db: Db;
  blobs: BlobStore;
  masterKey: Buffer;
  audit: AuditLog;
}

/** Blob parts are named `blob/<key>`, table parts `table/<name>`. */
export const tablePart = "table/";
export const blobPart = "blob/";

async function* blobContent(
  blobs: BlobStore,
  key: string,
  missing: { count: number },
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of blobs.read(key)) yield chunk;
  } catch (error) {
    // Deleted after the snapshot: its row's key is in the ledger, and the restore destroys it again.
    if (!(error instanceof BlobNotFoundError)) throw error;
    missing.count += 1;
  }
}

export async function createBackup(
  sources: BackupSources,
  file: string,
  actor: string,
  progress?: (done: string) => void,
): Promise<BackupSummary> {
  const { db, blobs, masterKey } = sources;
  let writer: ArchiveWriter | null = null;
  try {
    let rows = 0;
    let tables = 0;
    const keys = await withSnapshot(db, async (query) => {
      const schemaVersion = await schemaVersionOf(query);
      writer = await ArchiveWriter.create(file, masterKey, {
        schemaVersion,
        source: isEmbedded(db) ? "pglite" : "postgresql",
      });
      const archive = writer;
      for (const table of await tableNames(query)) {
        let count = 0;
        const lines = async function* () {
          for await (const batch of tableRows(query, table)) {
            count += batch.length;
            yield Buffer.from(batch.join("\n") + "\n", "utf8");
          }
        };
        await archive.part(`${tablePart}${table}`, lines());
        archive.setRows(count);
        rows += count;
        tables += 1;
        progress?.(`table ${table}`);
      }
      return blobKeys(query);
    });
    // Blobs are read after the snapshot ends (a blob never changes once its row is stored), so the
    // embedded database is held only for the rows.
    const archive = writer as unknown as ArchiveWriter;
    const missing = { count: 0 };
    for (const key of keys) {
      await archive.part(`${blobPart}${key}`, blobContent(blobs, key, missing));
      progress?.(`blob ${key}`);
    }
    const manifest = await archive.finish(missing.count);
    const summary: BackupSummary = {
      file,
      archiveId: manifest.archiveId,
      schemaVersion: manifest.schemaVersion,
      tables,
      rows,
      blobs: keys.length - missing.count,
      bytes: archive.bytes,
    };
    await sources.audit.append({
      actor,
      action: "backup.created",
      target: manifest.archiveId,
      metadata: {
        schemaVersion: summary.schemaVersion,
        tables,
        rows,
        blobs: summary.blobs,
        bytes: summary.bytes,
      },
    });
    return summary;
  } catch (error) {
    await (writer as ArchiveWriter | null)?.abort();
    throw error;
  }
}
