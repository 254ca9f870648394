// API keys as administrative operations (create, list, revoke): the CLI and admin socket run them for
// the installation, and the admin console's project routes run the same ones for a signed-in admin.
import { Type, type Static } from "@sinclair/typebox";
import { defineOperation, OrganizationId } from "../core/operation.ts";
import type { ApiKeyInfo, ApiKeyService } from "./api-key-service.ts";

/** The services these operations use, as small shapes (tenancy, access and the workspace come later). */
export interface ApiKeyOperationServices {
  apiKeys: ApiKeyService;
  tenancy: {
    getOrganization(organizationId: string): Promise<unknown>;
    getProject(organizationId: string, projectId: string): Promise<{ id: string }>;
    defaultProject(organizationId: string): Promise<{ id: string }>;
  };
  identity: { users: { defaultWorkspace(organizationId: string): Promise<{ id: string }> } };
  access: {
    requireFeature(
      member: { organizationId: string; workspaceId: string; userId: string },
      feature: "api_keys",
    ): Promise<void>;
  };
}

const operation = defineOperation<ApiKeyOperationServices>();

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  project: Type.String(),
  permission: Type.Union([Type.Literal("all"), Type.Literal("read_only")]),
  redacted: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

export function apiKeyView(key: ApiKeyInfo): Static<typeof ApiKeyView> {
  return {
    id: key.id,
    name: key.name,
    project: key.projectId,
    permission: key.permission,
    redacted: key.redacted,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

export const apiKeyOperations = {
  createKey: operation({
    description: "create an API key (in the default project unless one is named); it is shown once",
    permission: "keys.write",
    input: Type.Object({
      organization: OrganizationId,
      project: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      readOnly: Type.Optional(Type.Boolean()),
    }),
    output: Type.Composite([ApiKeyView, Type.Object({ key: Type.String(), organization: Type.String() })]),
    async run({ apiKeys, tenancy, identity, access }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const project = input.project
        ? await tenancy.getProject(input.organization, input.project)
        : await tenancy.defaultProject(input.organization);
      if (caller.member) {
        // A member's own workspace's "api_keys" switch decides whether they may make keys there.
        const workspace = await identity.users.defaultWorkspace(input.organization);
        await access.requireFeature(
          { organizationId: input.organization, workspaceId: workspace.id, userId: caller.member.userId },
          "api_keys",
        );
      }
      const created = await apiKeys.create({
        organizationId: input.organization,
        projectId: project.id,
        ...(input.name !== undefined ? { name: input.name } : {}),
        permission: input.readOnly === true ? "read_only" : "all",
        actor: caller.actor,
      });
      return { ...apiKeyView(created), key: created.key, organization: input.organization };
    },
  }),
  listKeys: operation({
    description: "list an organisation's API keys (redacted), or one project's",
    permission: "keys.read",
    input: Type.Object({
      organization: OrganizationId,
      project: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    }),
    output: Type.Array(ApiKeyView),
    async run({ apiKeys, tenancy }, input) {
      const project = input.project ? await tenancy.getProject(input.organization, input.project) : null;
      const keys = await apiKeys.list(input.organization);
      return keys.filter((key) => !project || key.projectId === project.id).map(apiKeyView);
    },
  }),
  revokeKey: operation({
    description: "revoke an API key",
    permission: "keys.write",
    input: Type.Object({ organization: OrganizationId, id: Type.String({ minLength: 1, maxLength: 100 }) }),
    output: Type.Object({ id: Type.String(), revoked: Type.Literal(true) }),
    async run({ apiKeys }, input, caller) {
      await apiKeys.revoke(input.organization, input.id, caller.actor);
      return { id: input.id, revoked: true as const };
    },
  }),
};
