// The OIDC tables (migration 0610-sso-provisioning): per-organisation connections and pending logins.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface OidcConnectionsTable {
  organization_id: string;
  /** The public origin users reach Custodian at; the redirect URI derives from it. */
  base_url: string;
  issuer: string;
  client_id: string;
  /** The client secret, sealed by the organisation's keyring. */
  client_secret: Buffer;
  /** Space-separated, always including "openid". */
  scopes: string;
  email_claim: string;
  name_claim: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OidcRequestsTable {
  organization_id: string;
  state: string;
  nonce: string;
  /** The PKCE code verifier, sealed by the organisation's keyring. */
  code_verifier: Buffer;
  /** SHA-256 of the token in the cookie of the browser that started the login. */
  browser_hash: Buffer;
  return_to: string;
  expires_at: Date;
}

declare module "../../db/schema.ts" {
  interface Database {
    oidc_connections: OidcConnectionsTable;
    oidc_requests: OidcRequestsTable;
  }
}
