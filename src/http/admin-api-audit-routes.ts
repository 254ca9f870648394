// /api/admin/audit: the organisation's audit log with filters, and a check of the whole log against its
// checkpoints (the same operation as `custodian audit verify`, so a broken log pages from the console too).
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { securityOperations } from "../notify/security-operations.ts";
import { caller } from "./admin-api-permissions.ts";
import { operationRoute } from "./operation-route.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";

const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  before: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
});

export function adminAuditRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { audit, operations } = dependencies;
  return async (app) => {
    app.get<{ Querystring: Static<typeof AuditQuery> }>(
      "/api/admin/audit",
      { schema: { querystring: AuditQuery }, config: { permission: "audit.read" } },
      async (request) => {
        const { organizationId } = caller(request);
        const { action, actor, target, before, limit } = request.query;
        const entries = await audit.list(organizationId, {
          ...(action !== undefined ? { action } : {}),
          ...(actor !== undefined ? { actor } : {}),
          ...(target !== undefined ? { target } : {}),
          ...(before !== undefined ? { beforeSeq: Number(before) } : {}),
          ...(limit !== undefined ? { limit: Number(limit) } : {}),
        });
        return {
          data: entries.map((entry) => ({
            seq: entry.seq,
            at: entry.at.toISOString(),
            actor: entry.actor,
            action: entry.action,
            target: entry.target,
            metadata: entry.metadata,
          })),
          next_before: entries.length > 0 ? entries.at(-1)!.seq : null,
        };
      },
    );

    // The chain is one for the whole installation; the answer says only whether it holds and where not.
    operationRoute(app, securityOperations.verifyAudit, operations, {
      method: "POST",
      url: "/api/admin/audit/verify",
      input: () => ({}),
    });
  };
}
