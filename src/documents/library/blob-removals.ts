// Sealed originals on their way out of the blob store (issue 20): each removal is recorded in the
// database first (in the deleting transaction, or before an upload starts), tried at once, and left
// for the documents purge when it fails or the process stops, so no ciphertext outlives its row.
import { sql } from "kysely";
import type { Db } from "../../db/database.ts";
import type { BlobStore } from "../../files/blob-store.ts";

/** How long an upload may take before its unstored blob is removed. */
const uploadGraceMs = 3_600_000;

type Executor = Pick<Db, "insertInto">;

/** Records that `keys` are to be removed now (inside the transaction that deletes their rows). */
export async function removalsDue(db: Executor, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto("document_blob_removals")
    .values(keys.map((blob_key) => ({ blob_key, due_at: sql<Date>`clock_timestamp()` })))
    .onConflict((conflict) =>
      conflict.column("blob_key").doUpdateSet({ due_at: sql<Date>`clock_timestamp()` }),
    )
    .execute();
}

/** Records an upload's blob, to be removed unless its row is stored first (`uploadStored`). */
export async function uploadStarted(db: Db, key: string): Promise<void> {
  await db
    .insertInto("document_blob_removals")
    .values({ blob_key: key, due_at: new Date(Date.now() + uploadGraceMs) })
    .execute();
}

/** The upload's row is stored: its blob stays (call inside the storing transaction). */
export async function uploadStored(db: Pick<Db, "deleteFrom">, key: string): Promise<void> {
  await db.deleteFrom("document_blob_removals").where("blob_key", "=", key).execute();
}

/** Removes these blobs now; any that fail stay recorded for the purge. */
export async function removeNow(db: Db, blobs: BlobStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const removed = await blobs.delete(key).then(
      () => true,
      () => false,
    );
    if (removed) await db.deleteFrom("document_blob_removals").where("blob_key", "=", key).execute();
  }
}

/** The purge's part: removes every due blob; a failure throws (the task reports it) and is retried. */
export async function removeDue(db: Db, blobs: BlobStore): Promise<number> {
  const due = await db
    .selectFrom("document_blob_removals")
    .select("blob_key")
    .where("due_at", "<=", sql<Date>`clock_timestamp()`)
    .execute();
  for (const { blob_key } of due) {
    await blobs.delete(blob_key);
    await db.deleteFrom("document_blob_removals").where("blob_key", "=", blob_key).execute();
  }
  return due.length;
}
