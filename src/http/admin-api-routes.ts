// /api/admin: the admin console's API. Every route declares its permission where it is declared
// (checked by admin-api-permissions.ts); handlers stay thin and call one service each. No route here
// reads conversations: admins manage members, roles, switches and settings, never content (CTL-4).
import type { FastifyPluginAsync } from "fastify";
import type { AccessModule } from "../access/access-module.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { ApiKeyOperationServices } from "../identity/api-key-operations.ts";
import type { IdentityOperationServices } from "../identity/identity-operations.ts";
import type { SecurityOperationServices } from "../notify/security-operations.ts";
import type { PrivacyOperationServices } from "../privacy/privacy-operations.ts";
import type { DomainRoutingService } from "../identity/domain-routing-service.ts";
import type { ScimGroupService } from "../identity/scim/scim-group-service.ts";
import type { OidcConnectionService } from "../identity/oidc/oidc-connection-service.ts";
import type { SamlConnectionService } from "../identity/saml/saml-connection-service.ts";
import type { SessionService } from "../identity/session-service.ts";
import type { UserService } from "../identity/user-service.ts";
import type { PrivacySettingsService } from "../privacy/privacy-settings-service.ts";
import type { TenancyService } from "../tenancy/tenancy-service.ts";
import type { UsageReports } from "../usage/usage-reports.ts";
import type { WorkspaceRetention } from "../workspace/workspace-retention.ts";
import { adminAccessRoutes } from "./admin-api-access-routes.ts";
import { adminAuditRoutes } from "./admin-api-audit-routes.ts";
import { adminFineTuningRoutes, type AdminFineTuningDependencies } from "./admin-api-fine-tuning-routes.ts";
import { adminGroupRoutes } from "./admin-api-group-routes.ts";
import { adminProjectRoutes } from "./admin-api-project-routes.ts";
import { adminSettingsRoutes } from "./admin-api-settings-routes.ts";

/** What the administrative operations the console shares with the CLI run against. */
export type ConsoleOperationServices = ApiKeyOperationServices &
  IdentityOperationServices &
  PrivacyOperationServices &
  SecurityOperationServices;

export interface AdminApiDependencies {
  /** Routes that do what an operation does run that operation (operation-route.ts). */
  operations: ConsoleOperationServices;
  access: AccessModule;
  users: UserService;
  sessions: SessionService;
  tenancy: TenancyService;
  retention: WorkspaceRetention;
  privacy: PrivacySettingsService;
  saml: SamlConnectionService;
  /** OIDC connections and verified email domains, for the SSO status. */
  oidc?: Pick<OidcConnectionService, "find">;
  domains?: Pick<DomainRoutingService, "list">;
  /** SCIM-provisioned groups, for their switches. */
  groups?: ScimGroupService;
  usageReports: UsageReports;
  audit: AuditLog;
  /** Fine-tuning jobs and their progress. */
  fineTuning?: AdminFineTuningDependencies["fineTuning"];
}

export function adminApiRoutes(dependencies: AdminApiDependencies): FastifyPluginAsync {
  return async (app) => {
    await app.register(adminAccessRoutes(dependencies));
    await app.register(adminSettingsRoutes(dependencies));
    await app.register(adminProjectRoutes(dependencies));
    await app.register(adminAuditRoutes(dependencies));
    const { groups, fineTuning } = dependencies;
    if (fineTuning) await app.register(adminFineTuningRoutes({ fineTuning }));
    if (groups) await app.register(adminGroupRoutes({ ...dependencies, groups }));
  };
}
