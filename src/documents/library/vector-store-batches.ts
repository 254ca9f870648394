// Vector stores' file batches (issue 20): the record of which /v1 files a batch adds to a collection and
// how each went (an error code, never a name or a message that could quote one). The /v1 route adds the
// files one by one and settles each here; a cancel stops the files not yet added.
import type { Selectable } from "kysely";
import { randomToken } from "../../core/ids.ts";
import { CustodianError } from "../../core/errors.ts";
import type { Db } from "../../db/database.ts";
import type { FileBatch, FileBatchEntry, FileBatches, FileBatchStatus, Reader } from "../document-types.ts";
import { checkNotExpired } from "./collection-activity.ts";
import type { CollectionRow } from "./collection-rows.ts";
import type { FileBatchEntryRow, VectorStoreFileBatchesTable } from "./document-tables.ts";

/** The collection if the reader may read it (or manage it); throws not found otherwise. */
export type CollectionCheck = (reader: Reader, collectionId: string) => Promise<CollectionRow>;

const batchNotFound = (id: string) =>
  new CustodianError(`No file batch found with id '${id}' in this vector store.`, {
    status: 404,
    type: "invalid_request_error",
    code: "not_found",
  });

function entries(value: unknown): FileBatchEntryRow[] {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? (parsed as FileBatchEntryRow[]) : [];
}

function toBatch(row: Selectable<VectorStoreFileBatchesTable>): FileBatch {
  return {
    id: row.id,
    collectionId: row.collection_id,
    status: row.status as FileBatchStatus,
    files: entries(row.files).map((entry) => ({
      fileId: entry.file_id,
      status: entry.status,
      code: entry.code,
    })),
    createdAt: row.created_at,
  };
}

const toRow = (entry: FileBatchEntry): FileBatchEntryRow => ({
  file_id: entry.fileId,
  status: entry.status,
  code: entry.code,
});

export class VectorStoreBatches implements FileBatches {
  readonly #db: Db;
  readonly #readable: CollectionCheck;
  readonly #manageable: CollectionCheck;

  constructor(db: Db, checks: { readable: CollectionCheck; manageable: CollectionCheck }) {
    this.#db = db;
    this.#readable = checks.readable;
    this.#manageable = checks.manageable;
  }

  async create(reader: Reader, collectionId: string, fileIds: readonly string[]): Promise<FileBatch> {
    // An expired store takes no files: refused whole rather than failing each one.
    const collection = checkNotExpired(await this.#manageable(reader, collectionId));
    const files = [...new Set(fileIds)].map((fileId) => ({
      file_id: fileId,
      status: "in_progress",
      code: null,
    }));
    const row = await this.#db
      .insertInto("vector_store_file_batches")
      .values({
        id: `vsfb_${randomToken(24)}`,
        collection_id: collection.id,
        organization_id: collection.organization_id,
        status: "in_progress",
        files: JSON.stringify(files),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBatch(row);
  }

  async get(reader: Reader, collectionId: string, batchId: string): Promise<FileBatch> {
    const collection = await this.#readable(reader, collectionId);
    const row = await this.#db
      .selectFrom("vector_store_file_batches")
      .selectAll()
      .where("id", "=", batchId)
      .where("collection_id", "=", collection.id)
      .where("organization_id", "=", collection.organization_id)
      .executeTakeFirst();
    if (!row) throw batchNotFound(batchId);
    return toBatch(row);
  }

  async cancel(reader: Reader, collectionId: string, batchId: string): Promise<FileBatch> {
    await this.#manageable(reader, collectionId);
    const batch = await this.get(reader, collectionId, batchId);
    if (batch.status !== "in_progress") return batch;
    return this.#change(batchId, (current) =>
      current.status === "in_progress"
        ? {
            status: "cancelled",
            files: current.files.map((entry) =>
              entry.status === "in_progress" ? { ...entry, status: "cancelled" } : entry,
            ),
          }
        : null,
    );
  }

  async settle(batchId: string, entry: FileBatchEntry): Promise<boolean> {
    const batch = await this.#change(batchId, (current) => ({
      status: current.status,
      files: current.files.map((item) => (item.fileId === entry.fileId ? entry : item)),
    }));
    return batch.status === "in_progress";
  }

  async finish(batchId: string): Promise<FileBatch> {
    return this.#change(batchId, (current) => {
      if (current.status !== "in_progress") return null;
      const failed = current.files.length > 0 && current.files.every((entry) => entry.status === "failed");
      return { status: failed ? "failed" : "completed", files: current.files };
    });
  }

  /** Reads the batch under a row lock and writes what `next` makes of it (null: unchanged). */
  async #change(
    batchId: string,
    next: (current: FileBatch) => Pick<FileBatch, "status" | "files"> | null,
  ): Promise<FileBatch> {
    return this.#db.transaction().execute(async (transaction) => {
      const row = await transaction
        .selectFrom("vector_store_file_batches")
        .selectAll()
        .where("id", "=", batchId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw batchNotFound(batchId);
      const current = toBatch(row);
      const changed = next(current);
      if (!changed) return current;
      const updated = await transaction
        .updateTable("vector_store_file_batches")
        .set({ status: changed.status, files: JSON.stringify(changed.files.map(toRow)) })
        .where("id", "=", batchId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toBatch(updated);
    });
  }
}
