// The access domain put together: roles and permissions, feature switches, and model access for the
// workspace (a model gate) and for /v1 (a request policy).
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import type { UserService } from "../identity/user-service.ts";
import { accessErrors } from "./access-errors.ts";
import { FeatureSwitchService } from "./feature-switch-service.ts";
import type { Feature } from "./features.ts";
import { ModelAccess, type GroupLookup, type WorkspaceMember } from "./model-access.ts";
import type { Permission } from "./permissions.ts";
import { RoleService } from "./role-service.ts";

export interface AccessModule {
  roles: RoleService;
  switches: FeatureSwitchService;
  models: ModelAccess;
  /** Throws 403 unless the user's roles grant the permission. */
  requirePermission(organizationId: string, userId: string, permission: Permission): Promise<void>;
  /** Whether the user's roles grant the permission. */
  allowed(organizationId: string, userId: string, permission: Permission): Promise<boolean>;
  /** Throws 403 when a switch that applies to the member turns the feature off. */
  requireFeature(member: WorkspaceMember, feature: Feature): Promise<void>;
}

export function createAccessModule(dependencies: {
  db: Db;
  audit: AuditLog;
  users: UserService;
  groupsOf?: GroupLookup;
}): AccessModule {
  const { db, audit, users } = dependencies;
  const roles = new RoleService({ db, audit, users });
  const switches = new FeatureSwitchService({ db, audit });
  const groupsOf = dependencies.groupsOf ?? (async () => []);
  return {
    roles,
    switches,
    models: new ModelAccess({ db, audit, switches, groupsOf }),
    async requirePermission(organizationId, userId, permission) {
      if (!(await roles.permissionsOf(organizationId, userId)).has(permission))
        throw accessErrors.permissionDenied(permission);
    },
    async allowed(organizationId, userId, permission) {
      return (await roles.permissionsOf(organizationId, userId)).has(permission);
    },
    async requireFeature(member, feature) {
      const effective = await switches.effective(
        member.organizationId,
        member.workspaceId,
        await groupsOf(member.organizationId, member.userId),
      );
      if (!effective.enabled[feature]) throw accessErrors.featureDisabled(feature);
    },
  };
}
