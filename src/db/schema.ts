// The database's tables as Kysely sees them. Columns holding business content are bytea ciphertext only.
import type { ColumnType } from "kysely";

export type ApiKeyPermission = "all" | "read_only";

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface OrganizationsTable {
  id: string;
  name: string;
  /** An organisation of the installation's own (the trust probes'): never listed to anyone. */
  internal: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface ProjectsTable {
  id: string;
  organization_id: string;
  name: string;
  created_at: CreatedAt;
}

export interface OrganizationKeysTable {
  organization_id: string;
  version: number;
  /** The organisation's data key, sealed by the master key. */
  wrapped_key: Buffer;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  project_id: string;
  name: string;
  /** "all", or "read_only": may list and read, may not create anything (such as a completion). */
  permission: ColumnType<ApiKeyPermission, ApiKeyPermission | undefined, never>;
  /** What a person may see of the key: its first characters. */
  redacted: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: Buffer;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface SystemKeysTable {
  name: string;
  /** Sealed by the master key. */
  wrapped_key: Buffer;
  created_at: CreatedAt;
}

/**
 * All tables. A domain that adds tables (with its own migration file) declares them beside its code
 * by augmenting this interface:
 *
 *   declare module "../db/schema.ts" { interface Database { usage_events: UsageEventsTable } }
 */
export interface Database {
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  organization_keys: OrganizationKeysTable;
  api_keys: ApiKeysTable;
  system_keys: SystemKeysTable;
}
