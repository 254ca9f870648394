// The admin API keys' table (migration 1030-admin-api-keys): hashed organisation-level keys.
import type { ColumnType } from "kysely";

export interface AdminApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  /** What a person may see of the key: its first and last characters. */
  redacted: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: Buffer;
  /** The user (or "cli") who made it. */
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

declare module "../db/schema.ts" {
  interface Database {
    admin_api_keys: AdminApiKeysTable;
  }
}
