// The oversight module: abuse review, operators and their staff-access grants, the access log the
// organisation sees, and the organisation export, with their HTTP routes.
import { operatorRoutes } from "../../http/operator-routes.ts";
import { reviewRoutes } from "../../http/review-routes.ts";
import { transparencyRoutes } from "../../http/transparency-routes.ts";
import { organizationAuditLogExport } from "../../privacy/export-audit-log.ts";
import { oversightOperations } from "../../privacy/staff-operations.ts";
import { createOversight } from "../../privacy/staff-oversight.ts";
import { defineModule } from "../module.ts";
import { identityModule } from "./identity-module.ts";
import { localModelsModule } from "./local-models-module.ts";
import { modelsModule } from "./models-module.ts";
import { privacyModule } from "./privacy-module.ts";
import { tenancyModule } from "./tenancy-module.ts";
import { workspaceModule } from "./workspace-module.ts";

export const oversightModule = defineModule({
  name: "oversight",
  needs: {
    tenancy: tenancyModule,
    identity: identityModule,
    localModels: localModelsModule,
    models: modelsModule,
    privacy: privacyModule,
    workspace: workspaceModule,
  },
  migrations: ["0630-privacy-oversight"],
  operations: oversightOperations,
  create({ db, keyring, audit, gathered }, { tenancy, identity, localModels, models, privacy, workspace }) {
    const { hipaa } = privacy;
    const oversight = createOversight({
      db,
      keyring,
      audit,
      settings: privacy.settings,
      hipaa,
      conversations: workspace.conversations,
      // Files, fine-tuning jobs and models: contributed by the modules that keep them.
      sections: gathered.exportSections,
      exportSources: {
        organization: (organizationId) => tenancy.getOrganization(organizationId),
        auditLog: (organizationId) => organizationAuditLogExport(audit, organizationId),
        apiKeys: async (organizationId) =>
          (await identity.apiKeys.list(organizationId)).map((key) => ({
            id: key.id,
            name: key.name,
            project: key.projectId,
            permission: key.permission,
            redacted: key.redacted,
            created_at: key.createdAt.toISOString(),
            revoked_at: key.revokedAt?.toISOString() ?? null,
          })),
        models: async () => [
          ...models.list().map((model) => ({
            id: model.id,
            owned_by: model.ownedBy,
            baa: hipaa.coveredModels.has(model.id),
          })),
          ...(await localModels.registry.list()).map((model) => ({
            id: model.id,
            source: model.source,
            sha256: model.sha256,
            size_bytes: model.sizeBytes,
            registered_at: model.createdAt.toISOString(),
          })),
        ],
      },
    });
    return {
      exports: oversight,
      routes: [
        { plugin: reviewRoutes(oversight) },
        { plugin: transparencyRoutes(oversight) },
        { plugin: operatorRoutes(oversight) },
      ],
    };
  },
});
