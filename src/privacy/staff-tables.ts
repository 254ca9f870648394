// The oversight tables (migration 0630-privacy-oversight): operators, their sessions, staff-access
// grants and approvals, the log of every access to customer data, review verdicts and HIPAA mode.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export type GrantReason = "incident" | "user-consent" | "legal";
export type GrantStatus = "pending" | "active" | "denied" | "revoked";
export type ReviewVerdict = "dismiss" | "confirm";

export interface OperatorsTable {
  id: string;
  name: string;
  /** SHA-256 of the operator's sign-in token; the token itself is shown once and never stored. */
  token_hash: Buffer;
  created_at: CreatedAt;
  disabled_at: Date | null;
}

export interface OperatorSessionsTable {
  id: string;
  operator_id: string;
  token_hash: Buffer;
  created_at: CreatedAt;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface StaffGrantsTable {
  id: string;
  organization_id: string;
  reason: GrantReason;
  reference: string;
  justification: string;
  requested_by: string;
  user_id: string | null;
  status: GrantStatus;
  /** JSON array of conversation ids; null until the user consents. */
  consented_conversations: string | null;
  duration_ms: number;
  created_at: CreatedAt;
  activated_at: Date | null;
  expires_at: Date | null;
}

export interface StaffGrantApprovalsTable {
  grant_id: string;
  operator_id: string;
  created_at: CreatedAt;
}

export interface DataAccessEventsTable {
  id: string;
  organization_id: string;
  actor_kind: "operator" | "reviewer";
  actor: string;
  grant_id: string | null;
  action: string;
  target: string | null;
  at: ColumnType<Date, Date | undefined, never>;
}

export interface ApiRecordReviewsTable {
  id: string;
  organization_id: string;
  record_id: string;
  reviewer: string;
  verdict: ReviewVerdict;
  created_at: CreatedAt;
}

export interface HipaaSettingsTable {
  organization_id: string;
  enabled: boolean;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

declare module "../db/schema.ts" {
  interface Database {
    operators: OperatorsTable;
    operator_sessions: OperatorSessionsTable;
    staff_grants: StaffGrantsTable;
    staff_grant_approvals: StaffGrantApprovalsTable;
    data_access_events: DataAccessEventsTable;
    api_record_reviews: ApiRecordReviewsTable;
    hipaa_settings: HipaaSettingsTable;
  }
}
