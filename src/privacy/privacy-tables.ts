// The privacy domain's tables (migration 0500-privacy): settings, API records and classifier metadata.
import type { ColumnType } from "kysely";

export type ReviewStatus = "none" | "pending" | "reviewed";

export interface PrivacySettingsTable {
  organization_id: string;
  /** '' for the organisation-wide row. */
  project_id: string;
  /** 0 to 30; null inherits (the organisation's value, then the default). */
  retention_days: number | null;
  /** Zero data retention; null inherits. */
  zdr: boolean | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ApiRecordsTable {
  id: string;
  organization_id: string;
  project_id: string;
  key_id: string;
  request_id: string;
  endpoint: string;
  model: string;
  status: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** The request and response as JSON, sealed by the organisation's key (place: api_records/id). */
  content: Buffer;
  flagged: boolean;
  review_status: ReviewStatus;
  created_at: Date;
  expires_at: Date;
}

export interface ApiClassificationsTable {
  id: string;
  organization_id: string;
  project_id: string;
  request_id: string;
  record_id: string | null;
  classifier: string;
  flagged: boolean;
  /** JSON array of the category names that applied. */
  categories: string;
  /** JSON object of category name to score. */
  scores: string;
  created_at: Date;
}

declare module "../db/schema.ts" {
  interface Database {
    privacy_settings: PrivacySettingsTable;
    api_records: ApiRecordsTable;
    api_classifications: ApiClassificationsTable;
  }
}
