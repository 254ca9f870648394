// The admin console module: the admin console's API (/api/admin), made of the other modules' services
// and operations; every route declares its permission.
import { adminApiRoutes } from "../../http/admin-api-routes.ts";
import { invitationAdminRoutes } from "../../http/invitation-admin-routes.ts";
import { defineModule } from "../module.ts";
import { accessModule } from "./access-module.ts";
import { finetuneModule } from "./finetune-module.ts";
import { identityModule } from "./identity-module.ts";
import { privacyModule } from "./privacy-module.ts";
import { securityModule } from "./security-module.ts";
import { tenancyModule } from "./tenancy-module.ts";
import { usageModule } from "./usage-module.ts";
import { workspaceModule } from "./workspace-module.ts";

export const adminConsoleModule = defineModule({
  name: "admin-console",
  needs: {
    tenancy: tenancyModule,
    identity: identityModule,
    access: accessModule,
    privacy: privacyModule,
    usage: usageModule,
    workspace: workspaceModule,
    finetune: finetuneModule,
    security: securityModule,
  },
  migrations: [],
  operations: {},
  create({ audit, config }, { tenancy, identity, access, privacy, usage, workspace, finetune, security }) {
    return {
      exports: {},
      routes: [
        {
          plugin: adminApiRoutes({
            access,
            users: identity.users,
            sessions: identity.sessions,
            tenancy,
            retention: workspace.retention,
            privacy: privacy.settings,
            saml: identity.samlConnections,
            oidc: identity.oidcConnections,
            domains: identity.domains,
            groups: identity.scimGroups,
            usageReports: usage.reports,
            audit,
            // The operations the console shares with the CLI run against the same exports.
            operations: { apiKeys: identity.apiKeys, tenancy, identity, access, privacy, audit, security },
            fineTuning: finetune,
          }),
        },
        {
          plugin: invitationAdminRoutes({
            invitations: identity.invitations,
            access,
            users: identity.users,
            publicUrl: config.publicUrl,
          }),
        },
      ],
    };
  },
});
