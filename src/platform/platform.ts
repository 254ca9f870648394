// Wires the parts together from one configuration: database, keyring, audit log, services, models.
import pino, { type Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { createAuditLog } from "../audit/create-audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import { loadMasterKey } from "../crypto/master-key.ts";
import { databaseTarget, openDatabase, type Db } from "../db/database.ts";
import { ApiKeyService } from "../identity/api-key-service.ts";
import { createIdentityServices, type IdentityServices } from "../identity/identity-services.ts";
import type { CompletionObserver, RequestPolicy } from "../inference/completion-hooks.ts";
import { ModelRouter } from "../inference/model-router.ts";
import { LlamaProvider } from "../inference/llama/llama-provider.ts";
import { localModelEntries } from "../inference/llama/local-model-entries.ts";
import { demoModelEntry } from "../inference/llama/demo-model-entry.ts";
import { ModelRegistry } from "../inference/model-registry.ts";
import { OpenAICompatibleProvider } from "../inference/openai-compatible-provider.ts";
import { createPrivacyEngine, type PrivacyEngine } from "../privacy/privacy-engine.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { createUsageModule, openRedisCounters, type UsageModule } from "../usage/usage-module.ts";
import type { ModelGate } from "../workspace/conversation-chat.ts";
import { createWorkspaceModule, type WorkspaceModule } from "../workspace/workspace-module.ts";
import { createOversight, type Oversight } from "../privacy/staff-oversight.ts";
import {
  filesExportSection,
  fineTunedModelsExportSection,
  fineTuningJobsExportSection,
} from "../privacy/export-sections.ts";
import { createSecurityModule, type SecurityModule } from "../notify/security-module.ts";
import { checkpointFailedEvent } from "../notify/security-event-monitor.ts";
import { WebhookSender } from "../notify/webhook.ts";
import { createAccessModule, type AccessModule } from "../access/access-module.ts";
import path from "node:path";
import { FileService } from "../files/file-service.ts";
import { LocalBlobStore } from "../files/local-blob-store.ts";
import { S3BlobStore } from "../files/s3-blob-store.ts";
import { createFinetuneModule, type FinetuneModule } from "../finetune/finetune-module.ts";

export interface Platform {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  tenancy: TenancyService;
  apiKeys: ApiKeyService;
  /** Users, workspaces, browser sessions and SAML single sign-on. */
  identity: IdentityServices;
  models: ModelRouter;
  /** GGUF models pulled or registered on this installation. */
  modelRegistry: ModelRegistry;
  /** The in-process llama.cpp models, when there are any; they load on first use or `ready()`. */
  localModels: LlamaProvider | null;
  /** API retention, zero data retention, classifiers and moderation, the retention purge. */
  privacy: PrivacyEngine;
  /** Usage metering, rate limits and token budgets, usage reports. */
  usage: UsageModule;
  /** The chat workspace: conversations, chatting, retention and purge. */
  workspace: WorkspaceModule;
  /** Roles and permissions, feature switches, model allow-lists for the workspace and /v1. */
  access: AccessModule;
  /** Uploaded files (/v1/files), sealed in the blob store. */
  files: FileService;
  /** Fine-tuning jobs, their worker (started by the server) and the private models they make. */
  finetune: FinetuneModule;
  /** Abuse review, operators and staff-access grants, HIPAA mode, the organisation export. */
  oversight: Oversight;
  /** Security events paged to a webhook; scheduled audit chain verification. */
  security: SecurityModule;
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

export interface PlatformOptions {
  /** Build and serve the demo model when no model is configured (`custodian serve` only). */
  demoModel?: boolean;
}

export async function openPlatform(
  config: Readonly<Config>,
  logger = createLogger(config),
  options: PlatformOptions = {},
): Promise<Platform> {
  const masterKey = loadMasterKey(config.masterKey);
  // Limit counters in Redis when configured; an unreachable Redis fails start-up before anything opens.
  const redisCounters = await openRedisCounters(config.redis, logger);
  const db = await openDatabase(databaseTarget(config));
  const keyring = new Keyring(db, masterKey, {
    customerKeyCacheMs: config.customerKeyCacheMs,
    latestVersionCacheMs: config.keyringCacheMs,
  });
  const blobStore = config.blobStore;
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
  const modelRegistry = new ModelRegistry({ db, audit });
  const localEntries = await localModelEntries(config, modelRegistry, logger);
  // A fresh install with nothing configured still answers: the demo model, clearly labelled.
  if (options.demoModel && config.demoModel && config.upstreams.length === 0 && localEntries.length === 0) {
    const demo = await demoModelEntry(config.dataDir, logger);
    if (demo) localEntries.push(demo);
  }
  const localModels =
    localEntries.length > 0 ? new LlamaProvider(localEntries, { llama: config.llama, logger }) : null;
  const models = new ModelRouter([
    ...config.upstreams.map(
      (upstream) => new OpenAICompatibleProvider(upstream, { timeoutMs: config.upstreamTimeoutMs }),
    ),
    ...(localModels ? [localModels] : []),
  ]);
  const onClose: Array<() => Promise<void>> = [];
  // Run last to first: the bucket closes after the audit log, whose shutdown checkpoint (covering what
  // every other part wrote while closing) it still receives.
  if (blobs instanceof S3BlobStore) onClose.push(async () => blobs.close());
  audit.start();
  onClose.push(() => audit.close());
  const privacy = createPrivacyEngine({ db, keyring, audit, models, logger });
  onClose.push(() => privacy.stop());
  const usage = createUsageModule({
    db,
    audit,
    logger,
    budgetWebhook: config.budgetWebhook,
    counters: redisCounters,
    // User and group budgets: a personal key's user, and the user's SCIM groups.
    people: {
      // The identity domain has no service method for a key's owner yet: one query, scoped by organisation.
      keyOwner: async (organizationId, keyId) =>
        (
          await db
            .selectFrom("api_keys")
            .select("user_id")
            .where("organization_id", "=", organizationId)
            .where("id", "=", keyId)
            .executeTakeFirst()
        )?.user_id ?? null,
      groupsOf: (organizationId, userId) => identity.scimGroups.groupsOf(organizationId, userId),
    },
  });
  onClose.push(() => usage.close());
  const apiKeys = new ApiKeyService({ db, audit, cacheMs: config.apiKeyCacheMs });
  const identity = createIdentityServices({ db, keyring, audit, apiKeys });
  const access = createAccessModule({
    db,
    audit,
    users: identity.users,
    // Group switches apply to the members of SCIM-provisioned groups.
    groupsOf: (organizationId, userId) => identity.scimGroups.groupsOf(organizationId, userId),
  });
  const workspaceGates: ModelGate[] = [access.models.gate];
  const workspace = createWorkspaceModule({
    db,
    keyring,
    audit,
    models,
    logger,
    deletionWindowMs: config.deletionWindowMs,
    // The member's allow-lists, then (added below, once it exists) HIPAA mode's covered backends.
    gate: async (member, model) => {
      for (const gate of workspaceGates) await gate(member, model);
    },
  });
  onClose.push(() => workspace.purgeTask.stop());
  // Workspace answers spend their user's and groups' token budgets and are metered with the user id.
  workspace.chat.meters.push({
    admit: (member) => usage.policy.admitMember(member),
    completed: (answer) =>
      usage.recorder.workspaceCompleted({
        requestId: answer.requestId,
        organizationId: answer.member.organizationId,
        workspaceId: answer.member.workspaceId,
        userId: answer.member.userId,
        model: answer.model,
        usage: answer.usage,
        status: answer.status,
        startedAt: answer.startedAt,
      }),
  });
  // Deleting a user (SCIM) deletes their conversations too: keys destroyed at once, rows purged.
  identity.onUserDeleted.push((organizationId, userId, actor) =>
    workspace.conversations.deleteAllOf(organizationId, userId, actor).then(() => undefined),
  );
  const files = new FileService({ db, keyring, audit, blobs });
  const finetune = createFinetuneModule({
    db,
    keyring,
    audit,
    files,
    blobs,
    baseEntries: localEntries,
    llama: config.llama,
    logger,
    // Embedded PGlite: the data directory admits one server, so no other worker can be alive.
    exclusive: config.databaseUrl === null,
  });
  models.usePrivateModels(finetune.models);
  onClose.push(() => finetune.close());
  const tenancy = new TenancyService({ db, keyring, audit });
  const oversight = createOversight({
    db,
    keyring,
    audit,
    config,
    settings: privacy.settings,
    conversations: workspace.conversations,
    exportSources: {
      organization: (organizationId) => tenancy.getOrganization(organizationId),
      apiKeys: async (organizationId) =>
        (await apiKeys.list(organizationId)).map((key) => ({
          id: key.id,
          name: key.name,
          project: key.projectId,
          permission: key.permission,
          redacted: key.redacted,
          created_at: key.createdAt.toISOString(),
          revoked_at: key.revokedAt?.toISOString() ?? null,
        })),
      models: async () => [
        ...models.list().map((model) => ({
          id: model.id,
          owned_by: model.ownedBy,
          baa: oversight.hipaa.coveredModels.has(model.id),
        })),
        ...(await modelRegistry.list()).map((model) => ({
          id: model.id,
          source: model.source,
          sha256: model.sha256,
          size_bytes: model.sizeBytes,
          registered_at: model.createdAt.toISOString(),
        })),
      ],
    },
  });
  // HIPAA mode refuses uncovered model backends in the workspace chat too, not only on /v1.
  workspaceGates.push((member, model) => oversight.hipaa.checkModel(member.organizationId, model));
  oversight.exporter.addSection(filesExportSection(files));
  oversight.exporter.addSection(fineTuningJobsExportSection(finetune.jobs));
  oversight.exporter.addSection(fineTunedModelsExportSection(finetune.models));
  const security = await createSecurityModule({ db, audit, logger, webhook: config.securityWebhook });
  onClose.push(() => security.close());
  audit.onCheckpointFailure.push((failure) => security.events.raise(checkpointFailedEvent(failure)));
  return {
    config,
    logger,
    db,
    keyring,
    audit,
    tenancy,
    apiKeys,
    identity,
    models,
    modelRegistry,
    localModels,
    privacy,
    usage,
    workspace,
    access,
    files,
    finetune,
    oversight,
    security,
    // First: an organisation whose customer-managed key is revoked gets a clear 403 before any work.
    policies: [
      { admit: ({ caller }) => keyring.assertAvailable(caller.organizationId) },
      // HIPAA mode: a backend not covered by a BAA is refused before any work.
      oversight.hipaa,
      // A model the project may not call is refused before it counts against any limit.
      access.models,
      usage.policy,
      privacy.admission,
    ],
    observers: [privacy.traffic, usage.recorder],
    onClose,
    async close() {
      for (const task of onClose.reverse()) await task();
      await models.close();
      await db.destroy();
    },
  };
}
