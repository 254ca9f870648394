// /api/admin/audit: the organisation's audit log with filters, and a check of the whole hash chain.
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { caller } from "./admin-api-permissions.ts";
import type { AdminApiDependencies } from "./admin-api-routes.ts";

const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  before: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$" })),
  limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,3}$" })),
});

export function adminAuditRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  const { audit } = dependencies;
  const verify = dependencies.verifyAudit ?? (() => audit.verify());
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

    app.post("/api/admin/audit/verify", { config: { permission: "audit.verify" } }, async (request) => {
      const principal = caller(request);
      // The chain is one for the whole installation; the answer says only whether it holds and where not.
      const result = await verify();
      await audit.append({
        actor: principal.userId,
        action: "audit.verified",
        target: principal.organizationId,
        organizationId: principal.organizationId,
        metadata: { ok: result.ok, entries: result.entries },
      });
      return result;
    });
  };
}
