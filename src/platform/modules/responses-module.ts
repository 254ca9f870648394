// The responses module: /v1/responses stored sealed per organisation, under the privacy module's
// retention and zero-data-retention rules (API-1, API-2), and their purge.
import { storedResponsesExportSection } from "../../responses/responses-export-section.ts";
import { createResponsesService } from "../../responses/responses-service.ts";
import { defineModule } from "../module.ts";
import { vectorStoreSearch } from "../../documents/library/vector-store-search.ts";
import { documentsModule } from "./documents-module.ts";
import { privacyModule } from "./privacy-module.ts";

export const responsesModule = defineModule({
  name: "responses",
  needs: { privacy: privacyModule, documents: documentsModule },
  migrations: ["0970-responses"],
  operations: {},
  create({ db, keyring, logger }, { privacy, documents }) {
    const responses = createResponsesService({
      db,
      keyring,
      logger,
      rules: (organizationId, projectId) => privacy.settings.effective(organizationId, projectId),
      admitted: (request) => privacy.admission.admitted(request),
      // The file_search tool searches the caller's project's vector stores (issue 20).
      fileSearch: vectorStoreSearch(documents),
    });
    return {
      exports: responses,
      tasks: [responses.purgeTask],
      exportSections: [storedResponsesExportSection(responses.store)],
      close: () => responses.close(),
    };
  },
});
