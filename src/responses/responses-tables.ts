// The responses domain's table (migration 0970-responses): stored responses, sealed per organisation.
declare module "../db/schema.ts" {
  interface Database {
    stored_responses: StoredResponsesTable;
  }
}

export interface StoredResponsesTable {
  id: string;
  organization_id: string;
  project_id: string;
  /** The response, its input items and its conversation as JSON, sealed (place: stored_responses/id). */
  content: Buffer;
  created_at: Date;
  expires_at: Date;
}
