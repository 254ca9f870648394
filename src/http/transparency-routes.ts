// Access transparency (SEC-3) for an organisation: its admins see every staff-access grant and every
// access to its data; each user sees and answers the consent requests that name them. Also the owner's
// organisation export (OWN-2).
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../identity/session-service.ts";
import { exportToJsonLines, type OrganizationExporter } from "../privacy/export-organization.ts";
import { privacyPermissions, type PermissionCheck } from "../privacy/review-permissions.ts";
import type { StaffAccessLog } from "../privacy/staff-access-log.ts";
import { oversightErrors } from "../privacy/staff-errors.ts";
import type { StaffGrant, StaffGrantService } from "../privacy/staff-grants.ts";
import { requireSession, requireSessionForChange } from "./session.ts";

export interface TransparencyRoutesDependencies {
  sessions: SessionService;
  permissions: PermissionCheck;
  grants: StaffGrantService;
  accessLog: StaffAccessLog;
  exporter: OrganizationExporter;
  secureCookies: boolean;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ApproveBody = Type.Object(
  {
    conversations: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("jsonl")])),
});

/** What an organisation sees of a grant: everything but nothing of other organisations. */
export function renderGrant(grant: StaffGrant) {
  return {
    id: grant.id,
    organization: grant.organizationId,
    reason: grant.reason,
    reference: grant.reference,
    justification: grant.justification,
    requested_by: grant.requestedBy,
    user: grant.userId,
    status: grant.status,
    conversations: grant.conversations,
    approvals: grant.approvals,
    created_at: grant.createdAt.toISOString(),
    activated_at: grant.activatedAt?.toISOString() ?? null,
    expires_at: grant.expiresAt?.toISOString() ?? null,
  };
}

export function transparencyRoutes(dependencies: TransparencyRoutesDependencies): FastifyPluginAsync {
  const { sessions, permissions, grants, accessLog, exporter, secureCookies } = dependencies;
  return async (app) => {
    app.get("/api/access-transparency", async (request) => {
      const principal = await requireSession(request, sessions, secureCookies);
      const permission = privacyPermissions.transparencyRead;
      if (!(await permissions.allowed(principal.organizationId, principal.userId, permission)))
        throw oversightErrors.permissionDenied(permission);
      const [allGrants, accesses] = await Promise.all([
        grants.listForOrganization(principal.organizationId),
        accessLog.list(principal.organizationId),
      ]);
      return {
        grants: allGrants.map(renderGrant),
        accesses: accesses.map((access) => ({
          id: access.id,
          actor_kind: access.actorKind,
          actor: access.actor,
          grant: access.grantId,
          action: access.action,
          target: access.target,
          at: access.at.toISOString(),
        })),
      };
    });

    app.get("/api/access-requests", async (request) => {
      const principal = await requireSession(request, sessions, secureCookies);
      const open = await grants.awaitingUser(principal.organizationId, principal.userId);
      return { data: open.map(renderGrant) };
    });

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof ApproveBody> }>(
      "/api/access-requests/:id/approve",
      { schema: { params: Id, body: ApproveBody } },
      async (request) => {
        const principal = await requireSessionForChange(request, sessions, secureCookies);
        const grant = await grants.answer(principal.organizationId, principal.userId, request.params.id, {
          approve: true,
          conversations: request.body.conversations,
        });
        return renderGrant(grant);
      },
    );

    app.post<{ Params: Static<typeof Id> }>(
      "/api/access-requests/:id/deny",
      { schema: { params: Id } },
      async (request) => {
        const principal = await requireSessionForChange(request, sessions, secureCookies);
        const grant = await grants.answer(principal.organizationId, principal.userId, request.params.id, {
          approve: false,
        });
        return renderGrant(grant);
      },
    );

    app.get<{ Querystring: Static<typeof ExportQuery> }>(
      "/api/organization/export",
      { schema: { querystring: ExportQuery } },
      async (request, reply) => {
        const principal = await requireSession(request, sessions, secureCookies);
        const permission = privacyPermissions.organizationExport;
        if (!(await permissions.allowed(principal.organizationId, principal.userId, permission)))
          throw oversightErrors.permissionDenied(permission);
        const exported = await exporter.export(principal.organizationId, principal.userId);
        if (request.query.format === "jsonl") {
          void reply
            .header("content-type", "application/x-ndjson")
            .header("content-disposition", 'attachment; filename="custodian-organization.jsonl"');
          return exportToJsonLines(exported);
        }
        void reply.header("content-disposition", 'attachment; filename="custodian-organization.json"');
        return exported;
      },
    );
  };
}
