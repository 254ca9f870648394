// The owner's compliance console: admin API keys at /api/admin/admin-api-keys (made, listed, revoked) and
// the SOC 2 evidence pack at /api/admin/evidence (downloaded as a tar.gz), running the same operations as
// `custodian admin-keys ...` and `custodian evidence export`; both permissions are the owner's alone.
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { adminKeyOperations, type AdminKeyOperationServices } from "../compliance/admin-key-operations.ts";
import { evidenceOperations, type EvidenceOperationServices } from "../compliance/evidence-operations.ts";
import { operationRoute } from "./operation-route.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const KeyBody = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export function complianceConsoleRoutes(
  services: AdminKeyOperationServices & EvidenceOperationServices,
): FastifyPluginAsync {
  return async (app) => {
    operationRoute(app, adminKeyOperations.listAdminKeys, services, {
      method: "GET",
      url: "/api/admin/admin-api-keys",
      input: (_request, member) => ({ organization: member.organizationId }),
      reply: (keys) => ({ data: keys }),
    });
    operationRoute(app, adminKeyOperations.createAdminKey, services, {
      method: "POST",
      url: "/api/admin/admin-api-keys",
      body: KeyBody,
      input: ({ body }, member) => ({
        organization: member.organizationId,
        ...(body.name !== undefined ? { name: body.name } : {}),
      }),
      status: 201,
    });
    operationRoute(app, adminKeyOperations.revokeAdminKey, services, {
      method: "DELETE",
      url: "/api/admin/admin-api-keys/:id",
      params: Id,
      input: ({ params }, member) => ({ organization: member.organizationId, id: params.id }),
      status: 204,
    });
    // POST: each export is audited, so it is not a GET a prefetch could make.
    operationRoute(app, evidenceOperations.exportEvidence, services, {
      method: "POST",
      url: "/api/admin/evidence",
      input: (_request, member) => ({ organization: member.organizationId }),
      reply: (result, reply) => {
        const day = new Date().toISOString().slice(0, 10);
        void reply
          .type("application/gzip")
          .header("content-disposition", `attachment; filename="custodian-evidence-${day}.tar.gz"`);
        return Buffer.from(result.archive, "base64");
      },
    });
  };
}
