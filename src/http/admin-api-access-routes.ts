// /api/admin: the caller's own permissions, members and their roles, custom roles, feature switches.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { features } from "../access/features.ts";
import type { FeatureSwitch } from "../access/feature-switch-service.ts";
import { allPermissions } from "../access/permissions.ts";
import type { Role } from "../access/role-service.ts";
import { caller } from "./admin-api-permissions.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const RoleName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
const SwitchParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  feature: Type.String({ minLength: 1, maxLength: 40 }),
});
const RoleBody = Type.Object(
  {
    role: Type.String({ minLength: 1, maxLength: 100 }),
    workspace: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
const StatusBody = Type.Object(
  { status: Type.Union([Type.Literal("active"), Type.Literal("disabled")]) },
  { additionalProperties: false },
);
const NewRoleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    permissions: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);
const RolePermissionsBody = Type.Object(
  { permissions: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }) },
  { additionalProperties: false },
);
const SwitchBody = Type.Object(
  {
    enabled: Type.Boolean(),
    models: Type.Optional(
      Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200 })]),
    ),
  },
  { additionalProperties: false },
);
const MembersQuery = Type.Object({ workspace: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) });

function renderRole(role: Role) {
  return { name: role.name, builtin: role.builtin, permissions: role.permissions };
}

function renderSwitch(item: FeatureSwitch) {
  return {
    scope: item.scope,
    scope_id: item.scopeId,
    feature: item.feature,
    enabled: item.enabled,
    models: item.models,
    updated_at: item.updatedAt.toISOString(),
  };
}

export function adminAccessRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { access, users, sessions } = dependencies;

  /** The organisation's workspace named in a request, or its default workspace. */
  async function workspaceOf(organizationId: string, workspaceId: string | undefined) {
    return workspaceId === undefined
      ? users.defaultWorkspace(organizationId)
      : users.getWorkspace(organizationId, workspaceId);
  }

  return async (app) => {
    app.get("/api/admin/me", { config: { permission: "signedIn" } }, async (request) => {
      const principal = caller(request);
      const permissions = await access.roles.permissionsOf(principal.organizationId, principal.userId);
      const workspace = await users.defaultWorkspace(principal.organizationId);
      // CTL-2: which features are on for the caller, so the web app hides what a switch turns off.
      const effective = await access.effective({
        organizationId: principal.organizationId,
        workspaceId: workspace.id,
        userId: principal.userId,
      });
      return {
        user: principal.userId,
        organization: principal.organizationId,
        roles: await users.rolesOf(principal.organizationId, principal.userId),
        permissions: [...permissions].sort(),
        features: effective.enabled,
      };
    });

    app.get<{ Querystring: Static<typeof MembersQuery> }>(
      "/api/admin/members",
      { schema: { querystring: MembersQuery }, config: { permission: "members.read" } },
      async (request) => {
        const { organizationId } = caller(request);
        const workspace = await workspaceOf(organizationId, request.query.workspace);
        const members = await users.listMembers(organizationId, workspace.id);
        return {
          workspace: workspace.id,
          data: members.map((member) => ({
            id: member.id,
            email: member.email,
            display_name: member.displayName,
            status: member.status,
            role: member.role,
            password_sign_in: member.hasPassword,
          })),
        };
      },
    );

    app.put<{ Params: Static<typeof Id>; Body: Static<typeof RoleBody> }>(
      "/api/admin/members/:id/role",
      { schema: { params: Id, body: RoleBody }, config: { permission: "members.write" } },
      async (request) => {
        const principal = caller(request);
        const workspace = await workspaceOf(principal.organizationId, request.body.workspace);
        await access.roles.assign({
          organizationId: principal.organizationId,
          workspaceId: workspace.id,
          userId: request.params.id,
          role: request.body.role,
          actor: principal.userId,
        });
        return { id: request.params.id, workspace: workspace.id, role: request.body.role };
      },
    );

    app.put<{ Params: Static<typeof Id>; Body: Static<typeof StatusBody> }>(
      "/api/admin/members/:id/status",
      { schema: { params: Id, body: StatusBody }, config: { permission: "members.write" } },
      async (request) => {
        const principal = caller(request);
        const { organizationId } = principal;
        await access.roles.checkOwnerChange(organizationId, request.params.id, principal.userId);
        await users.setStatus(organizationId, request.params.id, request.body.status, principal.userId);
        // A disabled member is signed out everywhere at once, not at their sessions' timeouts.
        if (request.body.status === "disabled")
          await sessions.revokeAllForUser(organizationId, request.params.id, principal.userId);
        return { id: request.params.id, status: request.body.status };
      },
    );

    app.get("/api/admin/roles", { config: { permission: "roles.read" } }, async (request) => {
      const { organizationId } = caller(request);
      return { data: (await access.roles.list(organizationId)).map(renderRole), permissions: allPermissions };
    });

    app.post<{ Body: Static<typeof NewRoleBody> }>(
      "/api/admin/roles",
      { schema: { body: NewRoleBody }, config: { permission: "roles.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const role = await access.roles.create({
          organizationId: principal.organizationId,
          name: request.body.name,
          permissions: request.body.permissions,
          actor: principal.userId,
        });
        return reply.status(201).send(renderRole(role));
      },
    );

    app.put<{ Params: Static<typeof RoleName>; Body: Static<typeof RolePermissionsBody> }>(
      "/api/admin/roles/:name",
      { schema: { params: RoleName, body: RolePermissionsBody }, config: { permission: "roles.write" } },
      async (request) => {
        const principal = caller(request);
        return renderRole(
          await access.roles.update({
            organizationId: principal.organizationId,
            name: request.params.name,
            permissions: request.body.permissions,
            actor: principal.userId,
          }),
        );
      },
    );

    app.delete<{ Params: Static<typeof RoleName> }>(
      "/api/admin/roles/:name",
      { schema: { params: RoleName }, config: { permission: "roles.write" } },
      async (request, reply) => {
        const principal = caller(request);
        await access.roles.remove(principal.organizationId, request.params.name, principal.userId);
        return reply.status(204).send();
      },
    );

    app.get("/api/admin/switches", { config: { permission: "switches.read" } }, async (request) => {
      const { organizationId } = caller(request);
      return { data: (await access.switches.list(organizationId)).map(renderSwitch), features };
    });

    app.put<{ Params: Static<typeof SwitchParams>; Body: Static<typeof SwitchBody> }>(
      "/api/admin/workspaces/:id/switches/:feature",
      { schema: { params: SwitchParams, body: SwitchBody }, config: { permission: "switches.write" } },
      async (request) => {
        const principal = caller(request);
        const workspace = await users.getWorkspace(principal.organizationId, request.params.id);
        return renderSwitch(
          await access.switches.set({
            organizationId: principal.organizationId,
            scope: "workspace",
            scopeId: workspace.id,
            feature: request.params.feature,
            enabled: request.body.enabled,
            ...(request.body.models !== undefined ? { models: request.body.models } : {}),
            actor: principal.userId,
          }),
        );
      },
    );

    app.delete<{ Params: Static<typeof SwitchParams> }>(
      "/api/admin/workspaces/:id/switches/:feature",
      { schema: { params: SwitchParams }, config: { permission: "switches.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const workspace = await users.getWorkspace(principal.organizationId, request.params.id);
        await access.switches.clear({
          organizationId: principal.organizationId,
          scope: "workspace",
          scopeId: workspace.id,
          feature: request.params.feature,
          actor: principal.userId,
        });
        return reply.status(204).send();
      },
    );
  };
}
