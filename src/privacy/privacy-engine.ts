// The privacy engine's API half, assembled: settings, HIPAA mode, moderation, the traffic observer that
// classifies and keeps (or, under ZDR, does not keep) /v1 content, and the scheduled retention purge.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config/config.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import { PeriodicTask } from "../jobs/periodic-task.ts";
import { ApiRetentionPurge } from "./api-retention-purge.ts";
import { ApiTrafficObserver } from "./api-traffic-observer.ts";
import { coveredModelIds, HipaaMode } from "./hipaa-mode.ts";
import { ModerationService, type ModelLookup } from "./moderation-service.ts";
import { PrivacyAdmission } from "./privacy-admission.ts";
import { PrivacySettingsService } from "./privacy-settings-service.ts";

/** Expired records are gone within this much of their expiry. */
const purgeEveryMs = 15 * 60_000;
/** A server's first purge comes soon after start, so a node that was down catches up. */
const firstPurgeMs = 60_000;

export interface PrivacyEngine {
  settings: PrivacySettingsService;
  /** HIPAA mode: forces ZDR and refuses model backends not covered by a BAA (a request policy too). */
  hipaa: HipaaMode;
  /** A request policy for /v1: fixes each request's privacy rules when it is admitted. */
  admission: PrivacyAdmission;
  moderation: ModerationService;
  traffic: ApiTrafficObserver;
  purge: ApiRetentionPurge;
  purgeTask: PeriodicTask;
  /** Flush queued traffic and stop the purge schedule; safe to call once on close. */
  stop(): Promise<void>;
}

export function createPrivacyEngine(dependencies: {
  db: Db;
  keyring: Keyring;
  audit: AuditLog;
  models: ModelLookup;
  logger: Logger;
  config: Pick<
    Config,
    "upstreams" | "models" | "http" | "tls" | "masterKey" | "databaseUrl" | "databaseCaFile"
  > & { purgeIntervalMs?: number };
}): PrivacyEngine {
  const { db, keyring, audit, models, logger, config } = dependencies;
  const settings = new PrivacySettingsService({ db, audit });
  const hipaa = new HipaaMode({ db, audit, settings, coveredModels: coveredModelIds(config) });
  const admission = new PrivacyAdmission(settings);
  settings.onChange(() => admission.invalidate());
  const moderation = new ModerationService({ models });
  const traffic = new ApiTrafficObserver({
    db,
    keyring,
    settings,
    admission,
    classifiers: [moderation.builtin],
    logger,
  });
  const purge = new ApiRetentionPurge({ db, audit });
  const purgeTask = new PeriodicTask({
    name: "privacy.api-retention-purge",
    intervalMs: config.purgeIntervalMs || purgeEveryMs,
    firstRunMs: config.purgeIntervalMs || firstPurgeMs,
    db,
    logger,
    run: async () => {
      await purge.run();
    },
  });
  // Started by the platform once every module is built; the first run comes a minute later.
  return {
    settings,
    hipaa,
    admission,
    moderation,
    traffic,
    purge,
    purgeTask,
    async stop() {
      await purgeTask.stop();
      await traffic.flush();
    },
  };
}
