// The documents module (issue 20): the sealed document library (collections, documents, search), its
// scheduled purge of deleted and expired collections, and the documents' metadata in the organisation
// export. /v1/vector_stores serves it inside the /v1 API (http/vector-stores-routes.ts).
import { modelEmbedder } from "../../documents/library/passage-embedder.ts";
import { DocumentLibraryService } from "../../documents/library/document-library-service.ts";
import { documentsExportSection } from "../../documents/library/documents-export-section.ts";
import { PeriodicTask } from "../../jobs/periodic-task.ts";
import { defineModule } from "../module.ts";
import { modelsModule } from "./models-module.ts";

export const documentsModule = defineModule({
  name: "documents",
  needs: { models: modelsModule },
  migrations: ["1100-documents", "1110-vector-store-batches"],
  operations: {},
  create({ config, db, keyring, blobs, audit, logger }, { models }) {
    const library = new DocumentLibraryService({ db, keyring, blobs, audit, embed: modelEmbedder(models) });
    const purgeTask = new PeriodicTask({
      name: "documents.purge",
      intervalMs:
        config.purgeIntervalMs || Math.max(10_000, Math.min(config.deletionWindowMs / 4, 15 * 60_000)),
      db,
      logger,
      run: async () => void (await library.purge.run()),
    });
    return { exports: library, exportSections: [documentsExportSection(db, keyring)], tasks: [purgeTask] };
  },
});
