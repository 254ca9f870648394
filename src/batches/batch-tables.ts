// The batches domain's tables (migration 1000-batches): batches and the sealed result of each request.
import type { ColumnType, Generated } from "kysely";

export const batchStatuses = [
  "validating",
  "in_progress",
  "finalizing",
  "completed",
  "failed",
  "expired",
  "cancelling",
  "cancelled",
] as const;
export type BatchStatus = (typeof batchStatuses)[number];

export interface BatchesTable {
  id: string;
  seq: ColumnType<number, never, never>;
  organization_id: string;
  project_id: string;
  key_id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  metadata: Buffer | null;
  errors: ColumnType<unknown, string | null, string | null> | null;
  total: Generated<number>;
  completed: Generated<number>;
  failed: Generated<number>;
  output_file_id: string | null;
  error_file_id: string | null;
  worker_id: string | null;
  heartbeat_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  in_progress_at: Date | null;
  finalizing_at: Date | null;
  completed_at: Date | null;
  failed_at: Date | null;
  expired_at: Date | null;
  cancelling_at: Date | null;
  cancelled_at: Date | null;
  output_expires_at: Date | null;
  /** `output_expires_after.seconds` as asked at creation; null: the project's retention alone. */
  output_expires_after: number | null;
}

export interface BatchResultsTable {
  batch_id: string;
  line: number;
  organization_id: string;
  ok: boolean;
  content: Buffer;
}

declare module "../db/schema.ts" {
  interface Database {
    batches: BatchesTable;
    batch_results: BatchResultsTable;
  }
}
