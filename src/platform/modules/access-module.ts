// The access module: roles and permissions, feature switches, and model allow-lists for the workspace
// and for /v1.
import { createAccessModule } from "../../access/access-module.ts";
import { defineModule } from "../module.ts";
import { identityModule } from "./identity-module.ts";

import { rolesExportSection } from "../../privacy/export-people-sections.ts";
import {
  featureSwitchesExportSection,
  projectsExportSection,
} from "../../privacy/export-settings-sections.ts";
import { tenancyModule } from "./tenancy-module.ts";

export const accessModule = defineModule({
  name: "access",
  needs: { identity: identityModule, tenancy: tenancyModule },
  migrations: ["0620-access"],
  operations: {},
  create({ db, audit }, { identity, tenancy }) {
    const access = createAccessModule({
      db,
      audit,
      users: identity.users,
      // Group switches apply to the members of SCIM-provisioned groups.
      groupsOf: (organizationId, userId) => identity.scimGroups.groupsOf(organizationId, userId),
      // A personal API key meets its owner's group switches on /v1 (CTL-2).
      keyOwner: (organizationId, keyId) => identity.apiKeys.ownerOf(organizationId, keyId),
    });
    // A model the project may not call is refused before it counts against any limit.
    return {
      exports: access,
      policies: [access.models],
      exportSections: [
        rolesExportSection(access.roles),
        projectsExportSection({
          listProjects: (organizationId) => tenancy.listProjects(organizationId),
          projectModels: (organizationId, projectId) =>
            access.models.projectModels(organizationId, projectId),
        }),
        featureSwitchesExportSection(access.switches),
      ],
    };
  },
});
