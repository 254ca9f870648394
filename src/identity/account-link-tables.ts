// The identity domain's one-time links (migration 0960-invitations): invitations and password resets.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export type AccountLinkPurpose = "invite" | "reset";

export interface AccountLinksTable {
  id: string;
  organization_id: string;
  purpose: AccountLinkPurpose;
  /** SHA-256 of the link's token; the token itself is never stored. */
  token_hash: Buffer;
  /** Lower-cased: who is invited, or whose password is reset. */
  email: string;
  workspace_id: string | null;
  role: string | null;
  user_id: string | null;
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

declare module "../db/schema.ts" {
  interface Database {
    account_links: AccountLinksTable;
  }
}
