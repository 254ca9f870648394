// The batches module: /v1/batches, their background worker (started by the server only; every node runs
// one and they share the queue) and the hourly purge of output files past the API retention (API-1).
import "../../batches/batch-tables.ts";
import { purgeBatchOutputs } from "../../batches/batch-finalize.ts";
import { BatchService } from "../../batches/batch-service.ts";
import { BatchWorker } from "../../batches/batch-worker.ts";
import { batchesExportSection } from "../../batches/batches-export-section.ts";
import { batchRunner } from "../../http/batch-runner.ts";
import { PeriodicTask } from "../../jobs/periodic-task.ts";
import { defineModule } from "../module.ts";
import { filesModule } from "./files-module.ts";
import { identityModule } from "./identity-module.ts";
import { modelsModule } from "./models-module.ts";
import { privacyModule } from "./privacy-module.ts";
import { responsesModule } from "./responses-module.ts";

/** How long a key's standing is trusted before its organisation's keys are read again. */
const keyCheckMs = 5_000;

/** Whether a batch's key is still unrevoked, read at most once per `keyCheckMs` per organisation. */
function keyCheck(apiKeys: {
  list(organizationId: string): Promise<Array<{ id: string; revokedAt: Date | null }>>;
}) {
  const active = new Map<string, { at: number; keys: Promise<Set<string>> }>();
  return async (caller: { organizationId: string; keyId: string }) => {
    let entry = active.get(caller.organizationId);
    if (!entry || Date.now() - entry.at > keyCheckMs) {
      const keys = apiKeys
        .list(caller.organizationId)
        .then((list) => new Set(list.filter((key) => key.revokedAt === null).map((key) => key.id)));
      entry = { at: Date.now(), keys };
      active.set(caller.organizationId, entry);
      keys.catch(() => active.delete(caller.organizationId));
    }
    return (await entry.keys).has(caller.keyId);
  };
}

export const batchesModule = defineModule({
  name: "batches",
  needs: {
    files: filesModule,
    models: modelsModule,
    privacy: privacyModule,
    identity: identityModule,
    responses: responsesModule,
  },
  migrations: ["1000-batches", "1131-batch-output-expiry"],
  operations: {},
  create({ config, db, keyring, logger, gathered }, { files, models, privacy, identity, responses }) {
    const service = new BatchService({ db, keyring, files: files.files });
    const rules = (organizationId: string, projectId: string) =>
      privacy.settings.effective(organizationId, projectId);
    const worker = new BatchWorker({
      db,
      keyring,
      files: files.files,
      // The gathered lists are complete before any work comes: each request meets every module's policies
      // and observers, in the order a live request does.
      runner: batchRunner({
        models,
        get policies() {
          return gathered.policies;
        },
        get observers() {
          return gathered.observers;
        },
        responses,
        keyActive: keyCheck(identity.apiKeys),
      }),
      rules,
      logger,
      concurrency: config.batchConcurrency,
      // Embedded PGlite: the data directory admits one server, so no other worker can be alive.
      exclusive: config.databaseUrl === null,
    });
    service.onChange = () => worker.wake();
    const purge = new PeriodicTask({
      name: "batches.output-purge",
      intervalMs: 3_600_000,
      db,
      logger,
      run: async () => {
        const purged = await purgeBatchOutputs(db, files.files);
        if (purged > 0) logger.info({ purged }, "batch outputs past their retention deleted");
      },
    });
    return {
      exports: { service, worker, purge },
      tasks: [purge],
      exportSections: [batchesExportSection(service)],
      close: () => worker.stop(),
    };
  },
});
