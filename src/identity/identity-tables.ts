// The identity domain's tables (migrations 0600-identity, 0980-saml-sha1-opt-in): users, workspaces, memberships, sessions, SAML.
import type { ColumnType } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export type UserStatus = "active" | "disabled";

export interface UsersTable {
  id: string;
  organization_id: string;
  /** Lower-cased; unique within the organisation. */
  email: string;
  display_name: string;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  /** scrypt hash of the local bootstrap password; null for users who sign in through SSO only. */
  password_hash: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UserExternalIdsTable {
  organization_id: string;
  /** Where the id comes from: "saml", later "oidc" or "scim". */
  provider: string;
  external_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface WorkspacesTable {
  id: string;
  organization_id: string;
  name: string;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  organization_id: string;
  /** A role name; the access domain gives roles their meaning. */
  role: string;
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: string;
  organization_id: string;
  user_id: string;
  /** SHA-256 of the cookie's token; the token itself is never stored. */
  token_hash: Buffer;
  /** SHA-256 of the session's CSRF token. */
  csrf_hash: Buffer;
  /** How the user signed in: "password" or "saml". */
  method: string;
  created_at: CreatedAt;
  last_seen_at: Date;
  /** The absolute end of the session, whatever its activity. */
  expires_at: Date;
  revoked_at: Date | null;
}

export interface SamlConnectionsTable {
  organization_id: string;
  /** The public https origin users reach Custodian at; the SP's entity id and ACS URL derive from it. */
  base_url: string;
  idp_entity_id: string;
  idp_sso_url: string;
  /** JSON array of PEM certificates the IdP signs with. */
  idp_certificates: string;
  metadata_xml: string;
  email_attribute: string;
  name_attribute: string;
  allow_idp_initiated: ColumnType<boolean, boolean | undefined, boolean>;
  /** RSA-SHA1 signatures and SHA-1 digests accepted from this IdP (off unless an admin turns it on). */
  allow_sha1: ColumnType<boolean, boolean | undefined, boolean>;
  /** The SP's own certificate (for signing requests and receiving encrypted assertions). */
  sp_certificate: string;
  /** The SP's private key, sealed by the organisation's keyring. */
  sp_private_key: Buffer;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SamlRequestsTable {
  organization_id: string;
  request_id: string;
  /** SHA-256 of the token in the browser that started the login (HTTPS only); null when unbound. */
  browser_hash: Buffer | null;
  expires_at: Date;
}

export interface SamlReplayTable {
  organization_id: string;
  assertion_id: string;
  expires_at: Date;
}

declare module "../db/schema.ts" {
  interface Database {
    users: UsersTable;
    user_external_ids: UserExternalIdsTable;
    workspaces: WorkspacesTable;
    memberships: MembershipsTable;
    sessions: SessionsTable;
    saml_connections: SamlConnectionsTable;
    saml_requests: SamlRequestsTable;
    saml_replay: SamlReplayTable;
  }
}
