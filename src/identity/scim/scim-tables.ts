// The SCIM tables (migration 0610-sso-provisioning): bearer tokens, groups and members, and the owner
// column of API keys, so that deprovisioning a user disables that user's personal keys.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface ScimTokensTable {
  id: string;
  organization_id: string;
  /** SHA-256 of the bearer token; the token itself is shown once and never stored. */
  token_hash: Buffer;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

export interface GroupsTable {
  id: string;
  organization_id: string;
  display_name: string;
  external_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  organization_id: string;
  created_at: CreatedAt;
}

declare module "../../db/schema.ts" {
  interface Database {
    scim_tokens: ScimTokensTable;
    groups: GroupsTable;
    group_members: GroupMembersTable;
  }
  interface ApiKeysTable {
    /** The user a personal key belongs to; null for a project's service key. */
    user_id: ColumnType<string | null, string | null | undefined, string | null>;
  }
}
