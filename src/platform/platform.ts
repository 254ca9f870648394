// Wires the parts together from one configuration: database, keyring, audit log, services, models.
import pino, { type Logger } from "pino";
import type { Config } from "../config/config.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { loadMasterKey } from "../crypto/master-key.ts";
import { databaseTarget, openDatabase, type Db } from "../db/database.ts";
import { ApiKeyService } from "../identity/api-key-service.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import { ModelRouter } from "../inference/model-router.ts";
import { OpenAICompatibleProvider } from "../inference/openai-compatible-provider.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";

export interface Platform {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  tenancy: TenancyService;
  apiKeys: ApiKeyService;
  models: ModelRouter;
  /** Asked before every /v1 completion (rate limits, budgets, allow-lists), in order. */
  policies: RequestPolicy[];
  /** Told after every /v1 completion (usage, retention records, classifiers). */
  observers: CompletionObserver[];
  /** Run on close, last registered first: flush queues, stop timers. */
  onClose: Array<() => Promise<void>>;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, "logLevel">): Logger {
  return pino({
    level: config.logLevel,
    // Secrets that might ride along on a logged object; content is never logged in the first place.
    redact: {
      paths: ["*.authorization", "*.headers.authorization", "*.apiKey", "*.api_key", "*.key"],
      censor: "[redacted]",
    },
  });
}

export async function openPlatform(
  config: Readonly<Config>,
  logger = createLogger(config),
): Promise<Platform> {
  const masterKey = loadMasterKey(config.masterKey);
  const db = await openDatabase(databaseTarget(config));
  const keyring = new Keyring(db, masterKey);
  const audit = new AuditLog(db, keyring, { checkpointEvery: config.checkpointEvery });
  const models = new ModelRouter(
    config.upstreams.map(
      (upstream) => new OpenAICompatibleProvider(upstream, { timeoutMs: config.upstreamTimeoutMs }),
    ),
  );
  const onClose: Array<() => Promise<void>> = [];
  return {
    config,
    logger,
    db,
    keyring,
    audit,
    tenancy: new TenancyService({ db, keyring, audit }),
    apiKeys: new ApiKeyService({ db, audit }),
    models,
    policies: [],
    observers: [],
    onClose,
    async close() {
      for (const task of onClose.reverse()) await task();
      await models.close();
      await db.destroy();
    },
  };
}
