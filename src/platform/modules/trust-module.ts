// The trust module (PLAT-2): the live trust probes that check every commitment against the running
// installation, their results and schedule, the trust report and the trust page's API. It needs nearly
// every other module, since its probes use their services as customers' requests do; the server starts
// its rounds once it listens (trust.serve), so a CLI process never runs them on its own.
import { trustRoutes } from "../../http/trust-routes.ts";
import { trustLiveSettings } from "../../privacy/trust-live-settings.ts";
import { ProbeOrganizations } from "../../trust/probe-organizations.ts";
import { allProbes } from "../../trust/probes/index.ts";
import { trustOperations } from "../../trust/trust-operations.ts";
import { createTrustService } from "../../trust/trust-service.ts";
import { withoutInternal } from "../../trust/trust-settings.ts";
import { defineModule } from "../module.ts";
import { accessModule } from "./access-module.ts";
import { filesModule } from "./files-module.ts";
import { finetuneModule } from "./finetune-module.ts";
import { identityModule } from "./identity-module.ts";
import { modelsModule } from "./models-module.ts";
import { oversightModule } from "./oversight-module.ts";
import { privacyModule } from "./privacy-module.ts";
import { securityModule } from "./security-module.ts";
import { tenancyModule } from "./tenancy-module.ts";
import { workspaceModule } from "./workspace-module.ts";

export const trustModule = defineModule({
  name: "trust",
  needs: {
    tenancy: tenancyModule,
    identity: identityModule,
    access: accessModule,
    files: filesModule,
    finetune: finetuneModule,
    models: modelsModule,
    privacy: privacyModule,
    workspace: workspaceModule,
    oversight: oversightModule,
    security: securityModule,
  },
  migrations: ["1021-trust-probes"],
  operations: trustOperations,
  create({ config, db, keyring, audit, logger }, needs) {
    const { tenancy, identity, access, files, finetune, models, privacy, workspace, oversight, security } =
      needs;
    const organizations = new ProbeOrganizations({ tenancy, users: identity.users });
    const trust = createTrustService({
      config,
      db,
      logger,
      events: security.events,
      probes: allProbes,
      context: {
        config,
        logger,
        db,
        keyring,
        audit,
        tenancy,
        identity,
        apiKeys: identity.apiKeys,
        access,
        privacy,
        workspace,
        oversight,
        files: files.files,
        finetune,
        models,
        organizations,
      },
      // The live settings, with the probe organisations left out (customers never see them).
      settings: async () =>
        withoutInternal(
          await trustLiveSettings({ config, audit, settings: privacy.settings, hipaa: privacy.hipaa }),
          (organizationId) => tenancy.isInternal(organizationId),
        ),
    });
    return {
      exports: trust,
      routes: [{ plugin: trustRoutes({ trust, audit }) }],
      close: () => trust.stop(),
    };
  },
});
