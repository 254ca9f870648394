// The responses domain, built once: the sealed store of /v1/responses and the task that purges what
// has outlived the API retention (API-1) and erases what clients deleted (OWN-4).
import type { Logger } from "pino";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { ChatRequest } from "../inference/language-model.ts";
import { PeriodicTask } from "../jobs/periodic-task.ts";
import type { FileSearcher } from "./file-search.ts";
import { ResponseStore, type RetentionRules } from "./response-store.ts";

const purgeEveryMs = 60 * 60_000;
/** A client's delete is erased physically by a purge turn this soon after it (deletes close together share one). */
const eraseAfterDeleteMs = 2_000;

export interface ResponsesServiceDependencies {
  db: Db;
  keyring: Keyring;
  logger: Logger;
  /** Today's privacy rules for a project. */
  rules(organizationId: string, projectId: string): Promise<RetentionRules>;
  /** The rules fixed when a request was admitted, if it went through admission. */
  admitted(request: ChatRequest): RetentionRules | undefined;
  /** The `file_search` tool's search (the document library's), when there is one. */
  fileSearch?: FileSearcher;
}

export interface ResponsesService {
  store: ResponseStore;
  admitted(request: ChatRequest): RetentionRules | undefined;
  fileSearch?: FileSearcher;
  purgeTask: PeriodicTask;
  close(): Promise<void>;
}

export function createResponsesService(dependencies: ResponsesServiceDependencies): ResponsesService {
  const { db, keyring, logger } = dependencies;
  let eraseSoon: NodeJS.Timeout | null = null;
  const store = new ResponseStore({
    db,
    keyring,
    rules: dependencies.rules,
    deleted: () => {
      eraseSoon ??= setTimeout(() => {
        eraseSoon = null;
        void purgeTask.runOnce();
      }, eraseAfterDeleteMs);
    },
  });
  const purgeTask = new PeriodicTask({
    name: "responses.retention-purge",
    intervalMs: purgeEveryMs,
    db,
    logger,
    run: async () => {
      const purged = await store.purge();
      if (purged > 0) logger.info({ purged }, "expired stored responses purged");
    },
  });
  const close = async () => {
    if (eraseSoon) clearTimeout(eraseSoon);
    eraseSoon = null;
    await purgeTask.stop();
  };
  return {
    store,
    admitted: dependencies.admitted,
    ...(dependencies.fileSearch ? { fileSearch: dependencies.fileSearch } : {}),
    purgeTask,
    close,
  };
}
