// /api/admin/admin-api-keys: the owner's console for admin API keys (made, listed, revoked), running the
// same operations as `custodian admin-keys ...`; `organization.admin_keys` is the owner's alone.
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { adminKeyOperations, type AdminKeyOperationServices } from "../compliance/admin-key-operations.ts";
import { operationRoute } from "./operation-route.ts";

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const KeyBody = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export function adminKeyConsoleRoutes(services: AdminKeyOperationServices): FastifyPluginAsync {
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
  };
}
