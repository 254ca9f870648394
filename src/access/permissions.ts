// The permissions of Custodian's /api, as typed constants: a resource and the actions on it.
// Routes name one of these where they are declared; roles are sets of them.

/** Every resource and its actions. Nothing here reads conversation content: no role can grant that. */
export const statement = {
  conversations: ["use"],
  members: ["read", "write"],
  roles: ["read", "write"],
  switches: ["read", "write"],
  retention: ["read", "write"],
  privacy: ["read", "write"],
  sso: ["read"],
  projects: ["read", "write"],
  keys: ["read", "write"],
  usage: ["read"],
  audit: ["read", "verify"],
  review: ["read", "decide"],
  transparency: ["read"],
  organization: ["export", "admin_keys", "evidence"],
  trust: ["verify"],
} as const;

type Statement = typeof statement;
export type Permission = {
  [Resource in keyof Statement]: `${Resource}.${Statement[Resource][number]}`;
}[keyof Statement];

export const allPermissions: readonly Permission[] = Object.entries(statement).flatMap(
  ([resource, actions]) => actions.map((action) => `${resource}.${action}` as Permission),
);

export function isPermission(value: string): value is Permission {
  return (allPermissions as readonly string[]).includes(value);
}

/**
 * What a route declares: a permission, or `signedIn` for routes any signed-in member may call (their
 * own session's facts), `public` for the few routes reached before sign-in, or `staff` for the
 * operators' routes, which authenticate Custodian's own staff themselves and no organisation role reaches.
 */
export type RouteAccess = Permission | "signedIn" | "public" | "staff";
