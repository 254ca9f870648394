// The fine-tuning domain, wired: jobs, the worker that runs them, and the private models they make.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { LlamaConfig } from "../config/config.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { BlobStore } from "../files/blob-store.ts";
import type { FileService } from "../files/file-service.ts";
import { baseModels } from "./base-models.ts";
import { FineTunedModels } from "./fine-tuned-models.ts";
import { FineTuningJobs } from "./fine-tuning-jobs.ts";
import { FineTuningWorker } from "./fine-tuning-worker.ts";
import { trainingInput } from "./training-input.ts";

export interface FinetuneModule {
  jobs: FineTuningJobs;
  /** The organisation-private models; the model router serves them. */
  models: FineTunedModels;
  /** Started by the server only (never by a CLI command). */
  worker: FineTuningWorker;
  close(): Promise<void>;
}

export function createFinetuneModule(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  files: FileService;
  blobs: BlobStore;
  /** The models served in process: the only possible bases. */
  baseEntries: ReadonlyArray<{ id: string; path: string }>;
  llama: LlamaConfig;
  logger: Logger;
  /** True on embedded PGlite, where one server owns the database. */
  exclusive: boolean;
}): FinetuneModule {
  const { db, keyring, audit, files, blobs, llama, logger } = dependencies;
  const bases = baseModels(dependencies.baseEntries);
  const jobs = new FineTuningJobs({ db, audit, files, bases });
  const models = new FineTunedModels({ db, keyring, audit, blobs, llama, logger });
  const worker = new FineTuningWorker({
    db,
    jobs,
    models,
    bases,
    input: trainingInput(files),
    logger,
    threads: llama.threads,
    exclusive: dependencies.exclusive,
  });
  jobs.onChange = (jobId) => worker.wake(jobId);
  return {
    jobs,
    models,
    worker,
    async close() {
      await worker.stop();
      await models.close();
    },
  };
}
