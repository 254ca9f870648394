// The fine-tuning domain's tables (migration 0800-fine-tuning): jobs (also the work queue), their events,
// and the organisation-private fine-tuned models.
import type { ColumnType } from "kysely";

export type JobStatus = "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface FineTuningJobsTable {
  id: string;
  organization_id: string;
  model: string;
  training_file: string;
  validation_file: string | null;
  n_epochs: number;
  learning_rate_multiplier: number;
  batch_size: number;
  suffix: string | null;
  seed: number;
  status: JobStatus;
  error_code: string | null;
  error_message: string | null;
  error_param: string | null;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  /** The worker that claimed the job, and when it last said it is alive. */
  worker_id: string | null;
  heartbeat_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
  seq: ColumnType<number, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
  finished_at: Date | null;
}

export interface FineTuningEventsTable {
  id: string;
  job_id: string;
  organization_id: string;
  level: "info" | "warn" | "error";
  type: "message" | "metrics";
  message: string;
  /** Metrics as JSON (numbers only: step, losses, tokens per second); never content. */
  data: string | null;
  seq: ColumnType<number, never, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface FineTunedModelsTable {
  id: string;
  organization_id: string;
  base_model: string;
  job_id: string;
  bytes: number;
  /** The weights' data key sealed by the organisation key (place: fine_tuned_models/id). */
  wrapped_key: Buffer;
  blob_key: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

declare module "../db/schema.ts" {
  interface Database {
    fine_tuning_jobs: FineTuningJobsTable;
    fine_tuning_events: FineTuningEventsTable;
    fine_tuned_models: FineTunedModelsTable;
  }
}
