// A one-time link (an invitation or a password reset) as the identity domain hands it around, and the
// mailer interface the notify domain fills in when SMTP is configured.
import { createHash } from "node:crypto";
import type { AccountLinkPurpose } from "./account-link-tables.ts";
import "./account-link-tables.ts";

/** Sends a link by email; the notify domain's SMTP sender fills it in when SMTP is configured. */
export interface LinkMailer {
  sendLink(message: {
    to: string;
    purpose: AccountLinkPurpose;
    organizationName: string;
    link: string;
    expiresAt: Date;
  }): Promise<void>;
}

export interface AccountLink {
  id: string;
  organizationId: string;
  purpose: AccountLinkPurpose;
  email: string;
  workspaceId: string | null;
  role: string | null;
  userId: string | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A link as made: the token is in `url` and nowhere else. */
export interface IssuedLink {
  link: AccountLink;
  url: string;
  emailed: boolean;
}

export const linkPaths: Record<AccountLinkPurpose, string> = { invite: "/invite", reset: "/reset-password" };

export function hashLinkToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export type LinkRow = {
  id: string;
  organization_id: string;
  purpose: AccountLinkPurpose;
  email: string;
  workspace_id: string | null;
  role: string | null;
  user_id: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
};

export const linkColumns = [
  "id",
  "organization_id",
  "purpose",
  "email",
  "workspace_id",
  "role",
  "user_id",
  "created_by",
  "created_at",
  "expires_at",
] as const;

export function toLink(row: LinkRow): AccountLink {
  return {
    id: row.id,
    organizationId: row.organization_id,
    purpose: row.purpose,
    email: row.email,
    workspaceId: row.workspace_id,
    role: row.role,
    userId: row.user_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
