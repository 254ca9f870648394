// /api/admin: workspaces and their retention, API privacy settings (retention, zero data
// retention: changed by the same operation as `custodian privacy set`), and the status of single sign-on.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { PrivacySetting } from "../privacy/privacy-settings-service.ts";
import { caller } from "./admin-api-permissions.ts";
import { privacyOperations } from "../privacy/privacy-operations.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";
import { operationRoute } from "./operation-route.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const RetentionBody = Type.Object(
  { days: Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 36_500 })]) },
  { additionalProperties: false },
);
const PrivacyBody = Type.Object(
  {
    retention_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
    zdr: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

function renderPrivacy(setting: PrivacySetting) {
  return {
    project: setting.projectId,
    retention_days: setting.retentionDays,
    zdr: setting.zdr,
    updated_at: setting.updatedAt.toISOString(),
  };
}

export function adminSettingsRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { users, retention, privacy, tenancy, saml, oidc, domains, operations } = dependencies;
  /** The body's settings as the operation's input, for the organisation or one project. */
  const change = (body: Static<typeof PrivacyBody>, organization: string, project?: string) => ({
    organization,
    ...(project !== undefined ? { project } : {}),
    ...(body.retention_days !== undefined ? { retentionDays: body.retention_days } : {}),
    ...(body.zdr !== undefined ? { zdr: body.zdr } : {}),
  });
  const saved = (setting: {
    project: string | null;
    retention_days: number | null;
    zdr: boolean | null;
    updated_at: string;
  }) => ({
    project: setting.project,
    retention_days: setting.retention_days,
    zdr: setting.zdr,
    updated_at: setting.updated_at,
  });
  return async (app) => {
    app.get("/api/admin/workspaces", { config: { permission: "retention.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const workspaces = await users.listWorkspaces(organizationId);
      return {
        data: await Promise.all(
          workspaces.map(async (workspace) => ({
            id: workspace.id,
            name: workspace.name,
            retention_days: await retention.retention(organizationId, workspace.id),
          })),
        ),
      };
    });

    app.put<{ Params: Static<typeof Id>; Body: Static<typeof RetentionBody> }>(
      "/api/admin/workspaces/:id/retention",
      { schema: { params: Id, body: RetentionBody }, config: { permission: "retention.write" } },
      async (request) => {
        const principal = caller(request);
        // The retention table takes any workspace id: only the organisation's own may be set.
        const workspace = await users.getWorkspace(principal.organizationId, request.params.id);
        await retention.setRetention(
          principal.organizationId,
          workspace.id,
          request.body.days,
          principal.userId,
        );
        return { id: workspace.id, retention_days: request.body.days };
      },
    );

    app.get("/api/admin/privacy", { config: { permission: "privacy.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const project = await tenancy.defaultProject(organizationId);
      const effective = await privacy.effective(organizationId, project.id);
      return {
        data: (await privacy.list(organizationId)).map(renderPrivacy),
        default_project: {
          id: project.id,
          retention_days: effective.retentionDays,
          zdr: effective.zdr,
        },
      };
    });

    operationRoute(app, privacyOperations.setPrivacy, operations, {
      method: "PUT",
      url: "/api/admin/privacy",
      body: PrivacyBody,
      input: ({ body }, member) => change(body, member.organizationId),
      reply: saved,
    });

    operationRoute(app, privacyOperations.setPrivacy, operations, {
      method: "PUT",
      url: "/api/admin/projects/:id/privacy",
      params: Id,
      body: PrivacyBody,
      input: ({ params, body }, member) => change(body, member.organizationId, params.id),
      reply: saved,
    });

    app.get("/api/admin/sso", { config: { permission: "sso.read" } }, async (request) => {
      const { organizationId } = caller(request);
      const connection = await saml.find(organizationId);
      const oidcConnection = oidc ? await oidc.find(organizationId) : null;
      // Status only: never the SP's private key or the OIDC client secret.
      return {
        oidc: oidcConnection
          ? {
              configured: true,
              issuer: oidcConnection.issuer,
              client_id: oidcConnection.clientId,
              redirect_uri: oidcConnection.redirectUri,
              scopes: oidcConnection.scopes,
            }
          : { configured: false },
        domains: domains
          ? (await domains.list(organizationId)).map((domain) => ({
              domain: domain.domain,
              verified: domain.verified,
              enforce_sso: domain.enforceSso,
            }))
          : [],
        saml: connection
          ? {
              configured: true,
              idp_entity_id: connection.idpEntityId,
              idp_sso_url: connection.idpSsoUrl,
              idp_certificates: connection.idpCertificates.length,
              sp_entity_id: connection.spEntityId,
              acs_url: connection.acsUrl,
              metadata_url: connection.spEntityId,
              idp_initiated: connection.allowIdpInitiated,
              allow_sha1: connection.allowSha1,
            }
          : { configured: false },
      };
    });
  };
}
