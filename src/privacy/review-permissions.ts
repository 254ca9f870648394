// The permissions the privacy oversight routes need (abuse review, access transparency, organisation
// export), and the small interface they are checked through, so the access domain can map roles to them.

/** What each oversight route requires of the signed-in user. */
export const privacyPermissions = {
  /** List flagged API records and read one (decrypted, audited). API-4. */
  reviewRead: "review.read",
  /** Record a verdict on a flagged record. */
  reviewDecide: "review.decide",
  /** See staff-access grants and every access to the organisation's data. SEC-3. */
  transparencyRead: "transparency.read",
  /** Export the organisation's files, jobs, models' metadata, settings and audit log. OWN-2. */
  organizationExport: "organization.export",
} as const;

export type PrivacyPermission = (typeof privacyPermissions)[keyof typeof privacyPermissions];

/** Answers whether a user holds a permission in an organisation; the access domain may supply its own. */
export interface PermissionCheck {
  allowed(organizationId: string, userId: string, permission: PrivacyPermission): Promise<boolean>;
}

/**
 * Until the access domain maps its roles to these names, membership roles decide. API-4 asks that only
 * the abuse-reviewer role sees flagged records, so review is that role's alone, not the owner's too.
 */
const rolesFor: Readonly<Record<PrivacyPermission, readonly string[]>> = {
  "review.read": ["abuse-reviewer"],
  "review.decide": ["abuse-reviewer"],
  "transparency.read": ["owner", "admin"],
  "organization.export": ["owner"],
};

export function membershipPermissionCheck(
  rolesOf: (organizationId: string, userId: string) => Promise<string[]>,
): PermissionCheck {
  return {
    async allowed(organizationId, userId, permission) {
      const roles = await rolesOf(organizationId, userId);
      return roles.some((role) => rolesFor[permission].includes(role));
    },
  };
}
