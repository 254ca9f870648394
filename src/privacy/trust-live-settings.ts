// The live settings the trust report shows beside each commitment's proofs: read from the running
// configuration and database, so the report says what is true now, not what the defaults are.
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config/config.ts";
import { databaseTransport, upstreamTransport } from "../config/transport.ts";
import type { LiveSettingName } from "./commitments.ts";
import type { HipaaMode } from "./hipaa-mode.ts";
import { maxRetentionDays, type PrivacySettingsService } from "./privacy-settings-service.ts";

export async function trustLiveSettings(dependencies: {
  config: Pick<
    Readonly<Config>,
    "http" | "tls" | "masterKey" | "databaseUrl" | "databaseCaFile" | "upstreams"
  >;
  audit: AuditLog;
  settings: PrivacySettingsService;
  /** HIPAA mode: which organisations are in it and which models are covered. */
  hipaa?: HipaaMode;
}): Promise<Record<LiveSettingName, unknown>> {
  const { config, audit, settings } = dependencies;
  const explicit = await settings.list();
  const verified = await audit.verify();
  return {
    encryption: {
      enabled: true,
      algorithm: "AES-256-GCM",
      masterKey: config.masterKey.kind === "file" ? "key file" : "environment",
    },
    tls: {
      ...(config.http
        ? { https: false, note: "plain HTTP, allowed on a loopback address only" }
        : { https: true, minVersion: "TLSv1.2", certificate: config.tls ? "configured" : "generated" }),
      // SEC-2 on the way out: an operator's plain-text opt-out for a model server shows here.
      database: databaseTransport(config),
      upstreams: config.upstreams.map((upstream) => ({
        name: upstream.name,
        transport: upstreamTransport(upstream),
        baa: upstream.baa === true,
      })),
    },
    retention: {
      maxDays: maxRetentionDays,
      defaultDays: maxRetentionDays,
      settings: explicit
        .filter((setting) => setting.retentionDays !== null)
        .map((setting) => ({
          organization: setting.organizationId,
          project: setting.projectId,
          days: setting.retentionDays,
        })),
    },
    zdr: {
      storeFalseHonoured: true,
      on: explicit
        .filter((setting) => setting.zdr === true)
        .map((setting) => ({ organization: setting.organizationId, project: setting.projectId })),
    },
    hipaa: dependencies.hipaa
      ? {
          organizations: await dependencies.hipaa.list(),
          coveredModels: [...dependencies.hipaa.coveredModels].sort(),
          forcesZdr: true,
        }
      : { organizations: [], coveredModels: [], forcesZdr: true },
    audit: verified.ok
      ? { verified: true, entries: verified.entries, checkpoints: verified.checkpoints }
      : { verified: false, entries: verified.entries, brokenAt: verified.seq, problem: verified.problem },
  };
}
