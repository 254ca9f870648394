// The responses module: /v1/responses stored sealed per organisation, under the privacy module's
// retention and zero-data-retention rules (API-1, API-2), and their purge.
import { storedResponsesExportSection } from "../../responses/responses-export-section.ts";
import { createResponsesService } from "../../responses/responses-service.ts";
import { defineModule } from "../module.ts";
import { privacyModule } from "./privacy-module.ts";

export const responsesModule = defineModule({
  name: "responses",
  needs: { privacy: privacyModule },
  migrations: ["0970-responses"],
  operations: {},
  create({ db, keyring, logger }, { privacy }) {
    const responses = createResponsesService({
      db,
      keyring,
      logger,
      rules: (organizationId, projectId) => privacy.settings.effective(organizationId, projectId),
      admitted: (request) => privacy.admission.admitted(request),
    });
    return {
      exports: responses,
      tasks: [responses.purgeTask],
      exportSections: [storedResponsesExportSection(responses.store)],
      close: () => responses.close(),
    };
  },
});
