// The files domain's table (migrations 0800-fine-tuning, 0810-file-upload-state, 1130-file-expiry):
// uploaded files, content in the blob store.
import type { ColumnType } from "kysely";

export interface FilesTable {
  id: string;
  organization_id: string;
  purpose: string;
  bytes: number;
  /** The file name the client gave, sealed by the file's data key. */
  filename: Buffer;
  /** The file's data key sealed by the organisation key (place: files/id). */
  wrapped_key: Buffer;
  /** The sealed content's key in the blob store. */
  blob_key: string;
  /** Examples in a validated fine-tuning file; null for other purposes. */
  examples: number | null;
  /** False from the row's insert until its content is in the blob store; such rows are not served. */
  stored: ColumnType<boolean, boolean | undefined, boolean>;
  /** When the file expires (`expires_after`); null: kept until deleted. An expired row is not served. */
  expires_at: ColumnType<Date | null, Date | null | undefined, never>;
  seq: ColumnType<number, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module "../db/schema.ts" {
  interface Database {
    files: FilesTable;
  }
}
