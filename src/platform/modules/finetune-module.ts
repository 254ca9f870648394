// The fine-tuning module: jobs, the worker that runs them (started by the server only) and the
// organisation-private models they make.
import { createFinetuneModule } from "../../finetune/finetune-module.ts";
import { fineTunedModelsExportSection, fineTuningJobsExportSection } from "../../privacy/export-sections.ts";
import { defineModule } from "../module.ts";
import { filesModule } from "./files-module.ts";
import { localModelsModule } from "./local-models-module.ts";

export const finetuneModule = defineModule({
  name: "finetune",
  needs: { localModels: localModelsModule, files: filesModule },
  migrations: ["0800-fine-tuning"],
  operations: {},
  create({ config, db, keyring, audit, logger }, { localModels, files }) {
    const finetune = createFinetuneModule({
      db,
      keyring,
      audit,
      files: files.files,
      blobs: files.blobs,
      // The models served in process are the only possible bases.
      baseEntries: localModels.entries,
      llama: config.llama,
      logger,
      // Embedded PGlite: the data directory admits one server, so no other worker can be alive.
      exclusive: config.databaseUrl === null,
    });
    return {
      exports: finetune,
      exportSections: [
        fineTuningJobsExportSection(finetune.jobs),
        fineTunedModelsExportSection(finetune.models, finetune.jobs),
      ],
      close: () => finetune.close(),
    };
  },
});
