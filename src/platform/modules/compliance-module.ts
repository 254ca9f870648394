// The compliance module (SEC-4, SEC-5, CTL-4): admin API keys and the audit log in OpenAI's Admin API
// shape (/v1/organization/audit_logs, /v1/organization/admin_api_keys), their owner's console routes and
// CLI operations, and the SOC 2 evidence pack (`custodian evidence export`). It comes after the trust
// module, whose probe history the evidence pack reads.
import { AdminKeyService } from "../../compliance/admin-key-service.ts";
import { adminKeyOperations } from "../../compliance/admin-key-operations.ts";
import { evidenceFiles } from "../../compliance/evidence-pack.ts";
import { evidenceOperations } from "../../compliance/evidence-operations.ts";
import { complianceConsoleRoutes } from "../../http/compliance-console-routes.ts";
import { organizationAdminRoutes } from "../../http/organization-admin-routes.ts";
import { accessTransparencyReport } from "../../http/transparency-routes.ts";
import { organizationAuditLogExport } from "../../privacy/export-audit-log.ts";
import { defineModule } from "../module.ts";
import { identityModule } from "./identity-module.ts";
import { oversightModule } from "./oversight-module.ts";
import { tenancyModule } from "./tenancy-module.ts";
import { trustModule } from "./trust-module.ts";

/** The audit actions about an organisation's keys, for the evidence pack's rotation history. */
const keyActions = ["organization.customer_key_set"];

export const complianceModule = defineModule({
  name: "compliance",
  needs: { tenancy: tenancyModule, identity: identityModule, oversight: oversightModule, trust: trustModule },
  migrations: ["1030-admin-api-keys"],
  operations: { ...adminKeyOperations, ...evidenceOperations },
  create({ config, db, keyring, audit }, { tenancy, identity, oversight, trust }) {
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
    const sources = {
      config,
      probeHistory: (limit: number) => trust.history(limit),
      auditLog: (organizationId: string) => organizationAuditLogExport(audit, organizationId),
      transparency: (organizationId: string) => accessTransparencyReport(oversight, organizationId),
      keyVersions: (organizationId: string) => keyring.keyVersions(organizationId),
      keyWrapper: (organizationId: string) => keyring.customerKeyKind(organizationId),
      keyEvents: async (organizationId: string) =>
        (await audit.search(organizationId, { actions: keyActions, limit: 1000 })).entries,
    };
    const evidence = { files: (organizationId: string) => evidenceFiles(sources, organizationId) };
    const compliance = { adminKeys, evidence };
    return {
      exports: compliance,
      routes: [
        {
          plugin: organizationAdminRoutes({ adminKeys, apiKeys: identity.apiKeys, audit, people }),
          prefix: "/v1/organization",
        },
        { plugin: complianceConsoleRoutes({ compliance, tenancy, audit }) },
      ],
    };
  },
});
