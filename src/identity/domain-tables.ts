// The verified email domains table (migration 0610-sso-provisioning), which routes sign-in by email.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface EmailDomainsTable {
  organization_id: string;
  /** Lower-cased, without a trailing dot. */
  domain: string;
  /** What the organisation publishes (a DNS TXT record) to prove it holds the domain. */
  verification_token: string;
  verified_at: Date | null;
  /** "token" (the published token was found) or "manual" (an operator vouched, with a reason). */
  verification_method: string | null;
  verification_reason: string | null;
  enforce_sso: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

declare module "../db/schema.ts" {
  interface Database {
    email_domains: EmailDomainsTable;
  }
}
