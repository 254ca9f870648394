// The responses domain, built once: the sealed store of /v1/responses and the task that purges what
// has outlived the API retention (API-1).
import type { Logger } from "pino";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { ChatRequest } from "../inference/language-model.ts";
import { PeriodicTask } from "../jobs/periodic-task.ts";
import { ResponseStore, type RetentionRules } from "./response-store.ts";

const purgeEveryMs = 60 * 60_000;

export interface ResponsesServiceDependencies {
  db: Db;
  keyring: Keyring;
  logger: Logger;
  /** Today's privacy rules for a project. */
  rules(organizationId: string, projectId: string): Promise<RetentionRules>;
  /** The rules fixed when a request was admitted, if it went through admission. */
  admitted(request: ChatRequest): RetentionRules | undefined;
}

export interface ResponsesService {
  store: ResponseStore;
  admitted(request: ChatRequest): RetentionRules | undefined;
  purgeTask: PeriodicTask;
}

export function createResponsesService(dependencies: ResponsesServiceDependencies): ResponsesService {
  const { db, keyring, logger } = dependencies;
  const store = new ResponseStore({ db, keyring, rules: dependencies.rules });
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
  return { store, admitted: dependencies.admitted, purgeTask };
}
