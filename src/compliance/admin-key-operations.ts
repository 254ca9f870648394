// Admin API keys as administrative operations (create, list, revoke): the CLI and the admin socket run
// them for the installation, the admin console's routes for a signed-in owner (`organization.admin_keys`
// is the owner's alone).
import { Type, type Static } from "@sinclair/typebox";
import { defineOperation, OrganizationId } from "../core/operation.ts";
import type { AdminKeyInfo, AdminKeyService } from "./admin-key-service.ts";

export interface AdminKeyOperationServices {
  compliance: { adminKeys: AdminKeyService };
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
}

const operation = defineOperation<AdminKeyOperationServices>();

export const AdminKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  redacted: Type.String(),
  created_by: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

export function adminKeyView(key: AdminKeyInfo): Static<typeof AdminKeyView> {
  return {
    id: key.id,
    name: key.name,
    redacted: key.redacted,
    created_by: key.createdBy,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

export const adminKeyOperations = {
  createAdminKey: operation({
    description: "create an admin API key (sk-admin-...) for the audit-log API; it is shown once",
    permission: "organization.admin_keys",
    input: Type.Object({
      organization: OrganizationId,
      name: Type.Optional(Type.String({ maxLength: 200 })),
    }),
    output: Type.Composite([AdminKeyView, Type.Object({ key: Type.String(), organization: Type.String() })]),
    async run({ compliance, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      const created = await compliance.adminKeys.create({
        organizationId: input.organization,
        ...(input.name !== undefined ? { name: input.name } : {}),
        actor: caller.actor,
      });
      return { ...adminKeyView(created), key: created.key, organization: input.organization };
    },
  }),
  listAdminKeys: operation({
    description: "list an organisation's admin API keys (redacted)",
    permission: "organization.admin_keys",
    input: Type.Object({ organization: OrganizationId }),
    output: Type.Array(AdminKeyView),
    async run({ compliance }, input) {
      return (await compliance.adminKeys.list(input.organization)).map(adminKeyView);
    },
  }),
  revokeAdminKey: operation({
    description: "revoke an admin API key",
    permission: "organization.admin_keys",
    input: Type.Object({ organization: OrganizationId, id: Type.String({ minLength: 1, maxLength: 100 }) }),
    output: Type.Object({ id: Type.String(), revoked: Type.Literal(true) }),
    async run({ compliance }, input, caller) {
      await compliance.adminKeys.revoke(input.organization, input.id, caller.actor);
      return { id: input.id, revoked: true as const };
    },
  }),
};
