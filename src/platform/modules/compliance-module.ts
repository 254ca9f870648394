// The compliance module (SEC-4, SEC-5, CTL-4): admin API keys and the audit log in OpenAI's Admin API
// shape (/v1/organization/audit_logs, /v1/organization/admin_api_keys), their owner's console routes and
// CLI operations. It comes after the trust module, whose probe history its evidence pack reads.
import { AdminKeyService } from "../../compliance/admin-key-service.ts";
import { adminKeyOperations } from "../../compliance/admin-key-operations.ts";
import { adminKeyConsoleRoutes } from "../../http/admin-key-console-routes.ts";
import { organizationAdminRoutes } from "../../http/organization-admin-routes.ts";
import { defineModule } from "../module.ts";
import { identityModule } from "./identity-module.ts";
import { tenancyModule } from "./tenancy-module.ts";

export const complianceModule = defineModule({
  name: "compliance",
  needs: { tenancy: tenancyModule, identity: identityModule },
  migrations: ["1030-admin-api-keys"],
  operations: adminKeyOperations,
  create({ db, audit }, { tenancy, identity }) {
    const adminKeys = new AdminKeyService({ db, audit });
    const { users } = identity;
    const people = {
      emailOf: (organizationId: string, userId: string) =>
        users.get(organizationId, userId).then(
          (user) => user.email,
          () => null,
        ),
      async idsOf(organizationId: string, emails: string[]) {
        const wanted = new Set(emails.map((email) => email.toLowerCase()));
        const ids = new Set<string>();
        for (const workspace of await users.listWorkspaces(organizationId)) {
          for (const member of await users.listMembers(organizationId, workspace.id))
            if (wanted.has(member.email.toLowerCase())) ids.add(member.id);
        }
        return [...ids];
      },
    };
    const compliance = { adminKeys };
    return {
      exports: compliance,
      routes: [
        {
          plugin: organizationAdminRoutes({ adminKeys, apiKeys: identity.apiKeys, audit, people }),
          prefix: "/v1/organization",
        },
        { plugin: adminKeyConsoleRoutes({ compliance, tenancy }) },
      ],
    };
  },
});
