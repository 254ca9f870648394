// /api/admin: the organisation's SCIM-provisioned groups with their members, each group's feature
// switches (which apply to its members beside the workspace's), and the SCIM bearer tokens an
// identity provider provisions them with (shown once, listed as metadata, revocable; made by an owner),
// and an owner's explicit link of an SSO identity to an existing member.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { errors } from "../core/errors.ts";
import { ScimError } from "../identity/scim/scim-errors.ts";
import { ssoProvisioningOperations } from "../identity/sso-provisioning-operations.ts";
import { caller } from "./admin-api-permissions.ts";
import { operationRoute } from "./operation-route.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const LinkBody = Type.Object(
  {
    provider: Type.Union([Type.Literal("saml"), Type.Literal("oidc")]),
    external_id: Type.String({ minLength: 1, maxLength: 900 }),
  },
  { additionalProperties: false },
);
const SwitchParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  feature: Type.String({ minLength: 1, maxLength: 40 }),
});
const SwitchBody = Type.Object(
  {
    enabled: Type.Boolean(),
    models: Type.Optional(
      Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200 })]),
    ),
  },
  { additionalProperties: false },
);

/** Groups shown on one screen; an organisation with more manages them in its identity provider. */
const groupsShown = 200;

export function adminGroupRoutes(
  dependencies: Required<Pick<AdminApiDependencies, "groups">> & AdminApiDependencies,
): FastifyPluginAsync {
  const { access, groups, operations } = dependencies;

  /** The organisation's own group, or a 404 in the API's shape (SCIM's own errors are for /scim/v2). */
  async function groupOf(organizationId: string, groupId: string) {
    try {
      return await groups.get(organizationId, groupId, false);
    } catch (error) {
      if (error instanceof ScimError && error.status === 404) throw errors.notFound("group", groupId);
      throw error;
    }
  }

  return async (app) => {
    app.get("/api/admin/groups", { config: { permission: "members.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const page = await groups.list(organizationId, { count: groupsShown });
      return {
        total: page.totalResults,
        data: page.resources.map((group) => ({
          id: group.id,
          display_name: group.displayName,
          external_id: group.externalId,
          members: (group.members ?? []).map((member) => ({ id: member.id, email: member.display })),
          updated_at: group.lastModified.toISOString(),
        })),
      };
    });

    app.put<{ Params: Static<typeof SwitchParams>; Body: Static<typeof SwitchBody> }>(
      "/api/admin/groups/:id/switches/:feature",
      { schema: { params: SwitchParams, body: SwitchBody }, config: { permission: "switches.write" } },
      async (request) => {
        const principal = caller(request);
        const group = await groupOf(principal.organizationId, request.params.id);
        const item = await access.switches.set({
          organizationId: principal.organizationId,
          scope: "group",
          scopeId: group.id,
          feature: request.params.feature,
          enabled: request.body.enabled,
          ...(request.body.models !== undefined ? { models: request.body.models } : {}),
          actor: principal.userId,
        });
        return {
          scope: item.scope,
          scope_id: item.scopeId,
          feature: item.feature,
          enabled: item.enabled,
          models: item.models,
          updated_at: item.updatedAt.toISOString(),
        };
      },
    );

    app.delete<{ Params: Static<typeof SwitchParams> }>(
      "/api/admin/groups/:id/switches/:feature",
      { schema: { params: SwitchParams }, config: { permission: "switches.write" } },
      async (request, reply) => {
        const principal = caller(request);
        const group = await groupOf(principal.organizationId, request.params.id);
        await access.switches.clear({
          organizationId: principal.organizationId,
          scope: "group",
          scopeId: group.id,
          feature: request.params.feature,
          actor: principal.userId,
        });
        return reply.status(204).send();
      },
    );

    operationRoute(app, ssoProvisioningOperations.listScimTokens, operations, {
      method: "GET",
      url: "/api/admin/scim-tokens",
      input: (_request, member) => ({ organization: member.organizationId }),
      reply: (tokens) => ({ data: tokens }),
    });

    operationRoute(app, ssoProvisioningOperations.createScimToken, operations, {
      method: "POST",
      url: "/api/admin/scim-tokens",
      input: (_request, member) => ({ organization: member.organizationId }),
      status: 201,
      reply(created, reply) {
        // The only time the token leaves the server: it is stored as a hash.
        void reply.header("cache-control", "no-store");
        return { id: created.id, token: created.token, path: created.path };
      },
    });

    operationRoute(app, ssoProvisioningOperations.revokeScimToken, operations, {
      method: "DELETE",
      url: "/api/admin/scim-tokens/:id",
      params: Id,
      input: ({ params }, member) => ({ organization: member.organizationId, id: params.id }),
      status: 204,
    });

    operationRoute(app, ssoProvisioningOperations.linkSsoIdentity, operations, {
      method: "POST",
      url: "/api/admin/members/:id/identities",
      params: Id,
      body: LinkBody,
      input: ({ params, body }, member) => ({
        organization: member.organizationId,
        user: params.id,
        provider: body.provider,
        external_id: body.external_id,
      }),
      status: 201,
    });
  };
}
