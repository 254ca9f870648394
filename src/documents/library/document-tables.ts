// The documents domain's tables (migrations 1100-documents, 1110-vector-store-batches): sealed
// collections and documents, and vector stores' file batches.
import type { ColumnType } from "kysely";

export interface DocumentCollectionsTable {
  id: string;
  organization_id: string;
  owner_kind: string;
  owner_id: string;
  /** Group ids the collection is shared with (ids only, in clear). */
  shared_with: ColumnType<string[], string | undefined, string>;
  /** The collection's key sealed by the organisation key (place: document_collections/id); null once deleted. */
  wrapped_key: Buffer | null;
  name: Buffer | null;
  metadata: Buffer | null;
  embedding_model: string;
  documents: ColumnType<number, number | undefined, number>;
  bytes: ColumnType<string | number, number | undefined, number>;
  revision: ColumnType<number, number | undefined, number>;
  seq: ColumnType<string | number, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date | null;
  /** Vector stores' `expires_after` (anchor last_active_at): days after the last activity; null: none. */
  expires_after_days: ColumnType<number | null, number | null | undefined, number | null>;
  last_active_at: ColumnType<Date, Date | undefined, Date>;
  deleted_at: Date | null;
  document_deleted_at: Date | null;
}

export interface DocumentsTable {
  id: string;
  collection_id: string;
  organization_id: string;
  filename: Buffer;
  format: string | null;
  bytes: ColumnType<string | number, number, number>;
  pages: number | null;
  chunks: number;
  file_id: string | null;
  attributes: Buffer;
  extracted: Buffer;
  passages: Buffer;
  blob_key: string;
  /** A chunking other than the default (migration 1132): sizes in characters; null for the default. */
  chunk_characters: number | null;
  chunk_overlap_characters: number | null;
  seq: ColumnType<string | number, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A vector store's file batch (migration 1110): ids, statuses and error codes only. */
export interface VectorStoreFileBatchesTable {
  id: string;
  collection_id: string;
  organization_id: string;
  status: string;
  files: ColumnType<FileBatchEntryRow[], string, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface FileBatchEntryRow {
  file_id: string;
  status: "in_progress" | "completed" | "failed" | "cancelled";
  code: string | null;
}

export interface DocumentBlobRemovalsTable {
  blob_key: string;
  due_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    document_collections: DocumentCollectionsTable;
    documents: DocumentsTable;
    document_blob_removals: DocumentBlobRemovalsTable;
    vector_store_file_batches: VectorStoreFileBatchesTable;
  }
}
