// Deleting collections and purging them physically (issue 20, OWN-4), as conversations are: the
// collection's key, name and metadata are nulled and its documents' rows deleted in one transaction,
// so everything sealed under the key is unreadable at once; then the sealed originals leave the blob
// store. A scheduled turn removes the rows of deleted collections, expires collections whose time is
// up, and, when anything was deleted since the last erasure, rewrites the tables and retires the WAL
// that held the old bytes (db/physical-erasure.ts).
import { sql } from "kysely";
import type { AuditLog } from "../../audit/audit-log.ts";
import { CustodianError } from "../../core/errors.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import type { Db } from "../../db/database.ts";
import { eraseDeleted } from "../../db/physical-erasure.ts";
import type { BlobStore } from "../../files/blob-store.ts";
import { removalsDue, removeDue, removeNow } from "./blob-removals.ts";
import { collectionPlace } from "./collection-rows.ts";
import type { IndexCache } from "./index-cache.ts";
import { libraryErrors } from "./library-errors.ts";

/** The tables a deleted collection's or document's bytes live in. */
export const documentTables = ["document_collections", "documents"] as const;

export interface PurgeDependencies {
  db: Db;
  keyring: Keyring;
  blobs: BlobStore;
  audit: AuditLog;
  cache: IndexCache;
}

/** Destroys a collection's key and removes its documents; the purge removes what is left. */
export async function destroyCollection(
  dependencies: PurgeDependencies,
  organizationId: string,
  collectionId: string,
  actor: string,
): Promise<void> {
  const { db, keyring, blobs, audit, cache } = dependencies;
  const removed = await db.transaction().execute(async (transaction) => {
    const collection = await transaction
      .updateTable("document_collections")
      .set({ wrapped_key: null, name: null, metadata: null, deleted_at: sql<Date>`clock_timestamp()` })
      .where("organization_id", "=", organizationId)
      .where("id", "=", collectionId)
      .where("wrapped_key", "is not", null)
      .returning(["documents"])
      .executeTakeFirst();
    if (!collection) return null;
    const documents = await transaction
      .deleteFrom("documents")
      .where("collection_id", "=", collectionId)
      .returning("blob_key")
      .execute();
    const keys = documents.map((document) => document.blob_key);
    await removalsDue(transaction, keys);
    return keys;
  });
  if (removed === null) throw libraryErrors.collectionNotFound(collectionId);
  cache.drop(collectionId);
  keyring.destroyed(organizationId, [collectionPlace(collectionId)]);
  // Sealed under the destroyed key: unreadable already; removed so no ciphertext stays either (what
  // cannot be removed now, the purge removes).
  await removeNow(db, blobs, removed);
  await audit.append({
    actor,
    action: "collection.deleted",
    target: collectionId,
    organizationId,
    metadata: { documents: removed.length },
  });
}

export interface DocumentPurgeResult {
  expired: number;
  removed: number;
  erased: boolean;
}

export class DocumentPurge {
  readonly #dependencies: PurgeDependencies;
  /** When the last erasure began; null until one ran, so a process's first turn always erases. */
  #erasedFrom: Date | null = null;
  #pending = false;
  /** Turns finished (erasure included), for tests to wait on. */
  completed = 0;

  constructor(dependencies: PurgeDependencies) {
    this.#dependencies = dependencies;
  }

  async run(now: Date = new Date()): Promise<DocumentPurgeResult> {
    const { db } = this.#dependencies;
    const clock = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
    const started = clock.rows[0]!.now;
    const pending = this.#pending;
    this.#pending = true;
    await removeDue(db, this.#dependencies.blobs);
    const expiring = await db
      .selectFrom("document_collections")
      .select(["id", "organization_id"])
      .where("wrapped_key", "is not", null)
      .where("expires_at", "<=", now)
      .execute();
    let expired = 0;
    for (const collection of expiring) {
      try {
        await destroyCollection(this.#dependencies, collection.organization_id, collection.id, "retention");
        expired += 1;
      } catch (error) {
        // Deleted by someone else meanwhile: nothing left to expire. Anything else fails the turn.
        if (!(error instanceof CustodianError && error.status === 404)) throw error;
      }
    }
    const removed = await db
      .deleteFrom("document_collections")
      .where("deleted_at", "is not", null)
      .executeTakeFirst();
    const count = Number(removed.numDeletedRows);
    if (expired + count === 0 && !pending && !(await this.#deletedSince(this.#erasedFrom))) {
      this.#pending = false;
      this.completed += 1;
      return { expired, removed: count, erased: false };
    }
    await eraseDeleted(db, documentTables);
    this.#pending = false;
    this.#erasedFrom = started;
    this.completed += 1;
    return { expired, removed: count, erased: true };
  }

  async #deletedSince(since: Date | null): Promise<boolean> {
    if (since === null) return true;
    const result = await sql<{ found: boolean }>`
      select exists(select 1 from document_collections where document_deleted_at >= ${since}) as found`.execute(
      this.#dependencies.db,
    );
    return result.rows[0]?.found === true;
  }
}
