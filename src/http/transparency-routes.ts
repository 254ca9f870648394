// Access transparency (SEC-3) for an organisation: its admins see every staff-access grant and every
// access to its data; each user sees and answers the consent requests that name them. Also the owner's
// organisation export (OWN-2).
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { exportToJsonLines, type OrganizationExporter } from "../privacy/export-organization.ts";
import type { StaffAccessLog } from "../privacy/staff-access-log.ts";
import type { StaffGrant, StaffGrantService } from "../privacy/staff-grants.ts";
import { caller } from "./admin-api-permissions.ts";

export interface TransparencyRoutesDependencies {
  grants: StaffGrantService;
  accessLog: StaffAccessLog;
  exporter: OrganizationExporter;
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
  include_content: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
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

/** The organisation's access-transparency report: every grant and every access (also in the evidence pack). */
export async function accessTransparencyReport(
  sources: Pick<TransparencyRoutesDependencies, "grants" | "accessLog">,
  organizationId: string,
) {
  const [allGrants, accesses] = await Promise.all([
    sources.grants.listForOrganization(organizationId),
    sources.accessLog.list(organizationId),
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
}

export function transparencyRoutes(dependencies: TransparencyRoutesDependencies): FastifyPluginAsync {
  const { grants, accessLog, exporter } = dependencies;
  return async (app) => {
    app.get("/api/access-transparency", { config: { permission: "transparency.read" } }, async (request) =>
      accessTransparencyReport({ grants, accessLog }, caller(request).organizationId),
    );

    app.get("/api/access-requests", { config: { permission: "signedIn" } }, async (request) => {
      const principal = caller(request);
      const open = await grants.awaitingUser(principal.organizationId, principal.userId);
      return { data: open.map(renderGrant) };
    });

    app.post<{ Params: Static<typeof Id>; Body: Static<typeof ApproveBody> }>(
      "/api/access-requests/:id/approve",
      { schema: { params: Id, body: ApproveBody }, config: { permission: "signedIn" } },
      async (request) => {
        const principal = caller(request);
        const grant = await grants.answer(principal.organizationId, principal.userId, request.params.id, {
          approve: true,
          conversations: request.body.conversations,
        });
        return renderGrant(grant);
      },
    );

    app.post<{ Params: Static<typeof Id> }>(
      "/api/access-requests/:id/deny",
      { schema: { params: Id }, config: { permission: "signedIn" } },
      async (request) => {
        const principal = caller(request);
        const grant = await grants.answer(principal.organizationId, principal.userId, request.params.id, {
          approve: false,
        });
        return renderGrant(grant);
      },
    );

    app.get<{ Querystring: Static<typeof ExportQuery> }>(
      "/api/organization/export",
      { schema: { querystring: ExportQuery }, config: { permission: "organization.export" } },
      async (request, reply) => {
        const principal = caller(request);
        const exported = await exporter.export(principal.organizationId, principal.userId, {
          includeContent: request.query.include_content === "true",
        });
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
