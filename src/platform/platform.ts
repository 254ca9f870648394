// The platform: the foundation (database, keyring, blob store, audit log) and the list of modules built on it, in
// dependency order. Each module joins through the module contract (module.ts); this file only lists them
// and names their exports for the server, the CLI and tests.
import pino, { type Logger } from "pino";
import type { Config } from "../config/config.ts";
import path from "node:path";
import type { AuditLog } from "../audit/audit-log.ts";
import { createAuditLog } from "../audit/create-audit-log.ts";
import { attachLogTail, LogTail } from "../core/log-tail.ts";
import { Keyring } from "../crypto/keyring.ts";
import { KeyLedger, keyLedgerDirectory } from "../crypto/key-ledger.ts";
import { loadMasterKey } from "../crypto/master-key.ts";
import { databaseTarget, openDatabase, type Db } from "../db/database.ts";
import { LocalBlobStore } from "../files/local-blob-store.ts";
import { S3BlobStore } from "../files/s3-blob-store.ts";
import { WebhookSender } from "../notify/webhook.ts";
import { composeModules, type ComposedModules } from "./compose-modules.ts";
import type { AnyModule, ExportsOf, Gathered, PlatformOptions } from "./module.ts";
import { accessModule } from "./modules/access-module.ts";
import { adminConsoleModule } from "./modules/admin-console-module.ts";
import { batchesModule } from "./modules/batches-module.ts";
import { complianceModule } from "./modules/compliance-module.ts";
import { backupModule } from "./modules/backup-module.ts";
import { customerKeysModule } from "./modules/customer-keys-module.ts";
import { chatDocumentsModule } from "./modules/chat-documents-module.ts";
import { documentsModule } from "./modules/documents-module.ts";
import { filesModule } from "./modules/files-module.ts";
import { finetuneModule } from "./modules/finetune-module.ts";
import { identityModule } from "./modules/identity-module.ts";
import { localModelsModule } from "./modules/local-models-module.ts";
import { modelsModule } from "./modules/models-module.ts";
import { oversightModule } from "./modules/oversight-module.ts";
import { privacyModule } from "./modules/privacy-module.ts";
import { responsesModule } from "./modules/responses-module.ts";
import { securityModule } from "./modules/security-module.ts";
import { tenancyModule } from "./modules/tenancy-module.ts";
import { trustModule } from "./modules/trust-module.ts";
import { usageModule } from "./modules/usage-module.ts";
import { workspaceModule } from "./modules/workspace-module.ts";

export type { PlatformOptions } from "./module.ts";

/**
 * Every module, each after the modules it needs. Contributions keep this order: /v1 requests meet the
 * customer key's check, then HIPAA mode and privacy admission, then model allow-lists, then rate limits
 * and budgets; routes mount in this order too.
 */
export const platformModules = [
  tenancyModule,
  customerKeysModule,
  identityModule,
  localModelsModule,
  filesModule,
  backupModule,
  finetuneModule,
  modelsModule,
  privacyModule,
  documentsModule,
  responsesModule,
  accessModule,
  usageModule,
  batchesModule,
  workspaceModule,
  chatDocumentsModule,
  oversightModule,
  securityModule,
  adminConsoleModule,
  trustModule,
  complianceModule,
] as const;

export interface Platform extends Gathered {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  tenancy: ExportsOf<typeof tenancyModule>;
  /** Users, workspaces, browser sessions, SSO, SCIM and API keys. */
  identity: ExportsOf<typeof identityModule>;
  apiKeys: ExportsOf<typeof identityModule>["apiKeys"];
  /** Every model by the id clients use, and each organisation's private models. */
  models: ExportsOf<typeof modelsModule>;
  /** GGUF models pulled or registered on this installation. */
  modelRegistry: ExportsOf<typeof localModelsModule>["registry"];
  /** The in-process llama.cpp models, when there are any; they load on first use or `ready()`. */
  localModels: ExportsOf<typeof localModelsModule>["provider"];
  /** The demo model's first build, waiting for the server to start it once it listens; null when none. */
  demoModelBuild: { start(): void } | null;
  /** API retention, zero data retention, HIPAA mode, classifiers and moderation, the retention purge. */
  privacy: ExportsOf<typeof privacyModule>;
  /** Stored /v1/responses, sealed, and their retention purge. */
  responses: ExportsOf<typeof responsesModule>;
  /** Usage metering, rate limits and token budgets, usage reports. */
  usage: ExportsOf<typeof usageModule>;
  /** /v1/batches, their worker (started by the server) and the purge of their outputs. */
  batches: ExportsOf<typeof batchesModule>;
  /** The chat workspace: conversations, chatting, retention and purge. */
  workspace: ExportsOf<typeof workspaceModule>;
  /** Roles and permissions, feature switches, model allow-lists for the workspace and /v1. */
  access: ExportsOf<typeof accessModule>;
  /** The sealed document library: collections, documents, search (issue 20; /v1/vector_stores). */
  documents: ExportsOf<typeof documentsModule>;
  /** Uploaded files (/v1/files), sealed in the blob store. */
  files: ExportsOf<typeof filesModule>["files"];
  /** Fine-tuning jobs, their worker (started by the server) and the private models they make. */
  finetune: ExportsOf<typeof finetuneModule>;
  /** Abuse review, operators and staff-access grants, HIPAA mode, the organisation export. */
  oversight: ExportsOf<typeof oversightModule>;
  /** Security events paged to a webhook; audit chain verification. */
  security: ExportsOf<typeof securityModule>;
  /** The live trust probes, their results and the trust report (PLAT-2). */
  trust: ExportsOf<typeof trustModule>;
  /** Admin API keys and the audit-log API; the SOC 2 evidence pack (SEC-4, SEC-5). */
  compliance: ExportsOf<typeof complianceModule>;
  /** Sealed backups of the database and its blobs (`custodian backup create`). */
  backup: ExportsOf<typeof backupModule>;
  close(): Promise<void>;
}

/**
 * The process's logger: standard output (or `destination`), and the in-memory tail of its own output
 * that the live probes scan for canaries (core/log-tail.ts).
 */
export function createLogger(
  config: Pick<Config, "logLevel">,
  destination: pino.DestinationStream = pino.destination(),
): Logger {
  const tail = new LogTail();
  const logger = pino(
    {
      level: config.logLevel,
      // Secrets that might ride along on a logged object; content is never logged in the first place.
      redact: {
        paths: ["*.authorization", "*.headers.authorization", "*.apiKey", "*.api_key", "*.key"],
        censor: "[redacted]",
      },
    },
    pino.multistream([
      { level: "trace", stream: destination },
      { level: "trace", stream: tail },
    ]),
  );
  return attachLogTail(logger, tail);
}

function exportsOf<M extends AnyModule>(composed: ComposedModules, module: M): ExportsOf<M> {
  return composed.exports.get(module.name) as ExportsOf<M>;
}

export async function openPlatform(
  config: Readonly<Config>,
  logger = createLogger(config),
  options: PlatformOptions = {},
): Promise<Platform> {
  const masterKey = loadMasterKey(config.masterKey);
  // Every module's migrations are applied here, before any module is built.
  const db = await openDatabase(databaseTarget(config));
  let composed: ComposedModules;
  const keyring = new Keyring(db, masterKey, {
    customerKeyCacheMs: config.customerKeyCacheMs,
    latestVersionCacheMs: config.keyringCacheMs,
    ledger: new KeyLedger(keyLedgerDirectory(config)),
  });
  const { blobStore } = config;
  const blobs =
    blobStore.kind === "s3"
      ? new S3BlobStore({ bucket: blobStore.bucket, endpoint: blobStore.endpoint, region: blobStore.region })
      : new LocalBlobStore(path.join(config.dataDir, "blobs"));
  // Checkpoints go to the witness file, and to the bucket and the security webhook when configured.
  const audit = createAuditLog({
    config,
    db,
    keyring,
    logger,
    objectStore: blobs instanceof S3BlobStore ? blobs : null,
    webhook: config.securityWebhook ? new WebhookSender(config.securityWebhook) : null,
  });
  const closeFoundation = async () => {
    // The audit log's shutdown checkpoint covers what every module wrote while closing; the bucket,
    // one of its witnesses, closes after it.
    await audit.close();
    if (blobs instanceof S3BlobStore) blobs.close();
    await db.destroy();
  };
  try {
    composed = await composeModules({ config, logger, db, keyring, blobs, audit, options }, platformModules);
  } catch (error) {
    await closeFoundation();
    throw error;
  }
  audit.start();
  const identity = exportsOf(composed, identityModule);
  const localModels = exportsOf(composed, localModelsModule);
  return {
    config,
    logger,
    db,
    keyring,
    audit,
    ...composed.gathered,
    tenancy: exportsOf(composed, tenancyModule),
    identity,
    apiKeys: identity.apiKeys,
    models: exportsOf(composed, modelsModule),
    modelRegistry: localModels.registry,
    localModels: localModels.provider,
    demoModelBuild: localModels.demoBuild?.build ?? null,
    privacy: exportsOf(composed, privacyModule),
    responses: exportsOf(composed, responsesModule),
    usage: exportsOf(composed, usageModule),
    batches: exportsOf(composed, batchesModule),
    workspace: exportsOf(composed, workspaceModule),
    access: exportsOf(composed, accessModule),
    files: exportsOf(composed, filesModule).files,
    documents: exportsOf(composed, documentsModule),
    finetune: exportsOf(composed, finetuneModule),
    oversight: exportsOf(composed, oversightModule),
    security: exportsOf(composed, securityModule),
    trust: exportsOf(composed, trustModule),
    compliance: exportsOf(composed, complianceModule),
    backup: exportsOf(composed, backupModule),
    async close() {
      await composed.close();
      await closeFoundation();
    },
  };
}
