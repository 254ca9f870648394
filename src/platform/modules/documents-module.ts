// The documents module (issue 20): the sealed document library (collections, documents, search), its
// scheduled purge of deleted and expired collections, the documents' metadata in the organisation
// export, the organisation's choice of embedding model for new collections (/api/admin/embedding-model),
// and the classifiers' metadata of every stored document.
// /v1/vector_stores serves the library inside the /v1 API (http/vector-stores-routes.ts).
import { ClassifiedDocumentLibrary } from "../../documents/classified-document-library.ts";
import { EmbeddingModelChoice } from "../../documents/embedding-model-choice.ts";
import { modelEmbedder } from "../../documents/library/passage-embedder.ts";
import { documentsExportSection } from "../../documents/library/documents-export-section.ts";
import { embeddingModelRoutes } from "../../http/embedding-model-routes.ts";
import { PeriodicTask, purgeInterval } from "../../jobs/periodic-task.ts";
import { defineModule } from "../module.ts";
import { modelsModule } from "./models-module.ts";
import { privacyModule } from "./privacy-module.ts";

export const documentsModule = defineModule({
  name: "documents",
  needs: { models: modelsModule, privacy: privacyModule },
  migrations: [
    "1100-documents",
    "1110-vector-store-batches",
    "1120-document-settings",
    "1121-document-classifications",
    "1132-document-chunking",
  ],
  operations: {},
  create({ config, db, keyring, blobs, audit, logger }, { models, privacy }) {
    const embed = modelEmbedder(models);
    const embeddingModel = new EmbeddingModelChoice({
      db,
      audit,
      models,
      embed,
      installationDefault: config.embeddingModel,
    });
    embeddingModel.warnIfUnserved(models, logger);
    // The organisation's classifiers see each stored document's text and keep metadata only (API-3).
    const library = new ClassifiedDocumentLibrary({
      classifiers: [privacy.moderation.builtin],
      logger,
      db,
      keyring,
      blobs,
      audit,
      embed,
      defaultEmbeddingModel: (organizationId) => embeddingModel.forOrganization(organizationId),
    });
    const purgeTask = new PeriodicTask({
      name: "documents.purge",
      intervalMs: purgeInterval(config),
      db,
      logger,
      run: async () => void (await library.purge.run()),
    });
    return {
      exports: library,
      exportSections: [documentsExportSection(db, keyring), embeddingModel.exportSection()],
      tasks: [purgeTask],
      routes: [{ plugin: embeddingModelRoutes(embeddingModel) }],
      close: () => library.classifier.flush(),
    };
  },
});
