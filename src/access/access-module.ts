// The access domain put together: roles and permissions, feature switches (for a signed-in member,
// and for an API key: its owner's, or the organisation's default workspace's), and model access for
// the workspace (a model gate) and for /v1 (a request policy).
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import type { UserService } from "../identity/user-service.ts";
import { accessErrors } from "./access-errors.ts";
import { FeatureSwitchService } from "./feature-switch-service.ts";
import type { EffectiveFeatures, Feature } from "./features.ts";
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
  /** What the member's switches add up to (the web app hides what is off). */
  effective(member: WorkspaceMember): Promise<EffectiveFeatures>;
  /**
   * CTL-2 on /v1: throws 403 when the feature is off for an API key: the switches of the
   * organisation's default workspace, and of its owner's groups for a personal key.
   */
  requireKeyFeature(key: { organizationId: string; keyId: string }, feature: Feature): Promise<void>;
}

/** The user a personal API key belongs to; null for a project key. */
export type KeyOwnerLookup = (organizationId: string, keyId: string) => Promise<string | null>;

export function createAccessModule(dependencies: {
  db: Db;
  audit: AuditLog;
  users: UserService;
  groupsOf?: GroupLookup;
  keyOwner?: KeyOwnerLookup;
}): AccessModule {
  const { db, audit, users } = dependencies;
  const roles = new RoleService({ db, audit, users });
  const switches = new FeatureSwitchService({ db, audit });
  const groupsOf = dependencies.groupsOf ?? (async () => []);
  const keyOwner = dependencies.keyOwner ?? (async () => null);
  const effective = async (member: WorkspaceMember) =>
    switches.effective(
      member.organizationId,
      member.workspaceId,
      await groupsOf(member.organizationId, member.userId),
    );
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
    effective,
    async requireFeature(member, feature) {
      if (!(await effective(member)).enabled[feature]) throw accessErrors.featureDisabled(feature);
    },
    async requireKeyFeature(key, feature) {
      const workspace = await users.defaultWorkspace(key.organizationId);
      const owner = await keyOwner(key.organizationId, key.keyId);
      const groups = owner === null ? [] : await groupsOf(key.organizationId, owner);
      const applied = await switches.effective(key.organizationId, workspace.id, groups);
      if (!applied.enabled[feature]) throw accessErrors.featureDisabled(feature);
    },
  };
}
