// The built-in roles: owner, admin, member, auditor and abuse-reviewer, each a fixed set of permissions.
import { allPermissions, type Permission } from "./permissions.ts";

export const builtinRoleNames = ["owner", "admin", "member", "auditor", "abuse-reviewer"] as const;
export type BuiltinRoleName = (typeof builtinRoleNames)[number];

const readSettings: Permission[] = [
  "members.read",
  "roles.read",
  "switches.read",
  "retention.read",
  "privacy.read",
  "sso.read",
  "projects.read",
  "keys.read",
  "usage.read",
];

/** API-4: flagged API records are the abuse reviewers' alone, not the owner's or the admins'. */
export const reviewOnly: readonly Permission[] = ["review.read", "review.decide"];
/**
 * What only an owner holds: the whole organisation's export (OWN-2), running the live trust probes
 * (PLAT-2), making admin API keys for the audit-log API and exporting the SOC 2 evidence pack (SEC-5).
 */
export const ownerOnly: readonly Permission[] = [
  "organization.export",
  "trust.verify",
  "organization.admin_keys",
  "organization.evidence",
];
/** CTL-4: never in a custom role, so no one reaches the owner's or the reviewers' powers by making one. */
export const reservedPermissions: readonly Permission[] = [...ownerOnly, ...reviewOnly];

export const builtinRoles: Readonly<Record<BuiltinRoleName, readonly Permission[]>> = {
  // Only an owner exports the whole organisation, and only an owner hands out or takes away the owner role.
  owner: allPermissions.filter((permission) => !reviewOnly.includes(permission)),
  admin: allPermissions.filter(
    (permission) => !reviewOnly.includes(permission) && !ownerOnly.includes(permission),
  ),
  member: ["conversations.use"],
  // Reads the audit log and settings, never content: no permission here reaches a conversation but its own.
  auditor: ["conversations.use", "audit.read", "audit.verify", "transparency.read", ...readSettings],
  "abuse-reviewer": ["conversations.use", "review.read", "review.decide"],
};

export function isBuiltinRole(name: string): name is BuiltinRoleName {
  return (builtinRoleNames as readonly string[]).includes(name);
}
