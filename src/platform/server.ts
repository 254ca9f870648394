// `custodian serve`: open the platform, bootstrap an empty data directory, listen on HTTPS (or
// loopback HTTP when asked), and open the local admin socket for the CLI.
import { chmodSync, existsSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import { randomToken } from "../core/ids.ts";
import { buildAdminApp } from "../http/admin-routes.ts";
import { sql } from "kysely";
import { buildApp } from "../http/app.ts";
import type { RouteEntry } from "../http/admin-api-route-table.ts";
import type { TableServices } from "../core/operation.ts";
import { periodicTaskFailures } from "../jobs/periodic-task.ts";
import { Metrics } from "../http/metrics.ts";
import { tlsMaterial } from "../http/tls.ts";
import { AuthFailureSummary } from "../identity/auth-failure-summary.ts";
import { acquireLock } from "./data-dir-lock.ts";
import { abandonEarlyStart } from "../db/embedded-database.ts";
import { takeEarlyLock } from "./early-serve.ts";
import { operationTable, type AdminOperationTable } from "./operations.ts";
import { createLogger, openPlatform, type Platform, type PlatformOptions } from "./platform.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** The CA that signed the generated certificate, for clients to trust; null over HTTP. */
  caFile: string | null;
  bootstrapFile: string | null;
  platform: Platform;
  /** Failed API authentications, summarised into the audit log once a window (tests flush it). */
  authFailures: AuthFailureSummary;
  /** Every route the public app registered, with its declared permission (for route-table tests). */
  routes: ReadonlyArray<RouteEntry>;
  close(): Promise<void>;
}

export const bootstrapFileName = "bootstrap.json";
export const adminSocketName = "admin.sock";
export const adminTokenName = "admin.token";

async function takeDataDir(config: Readonly<Config>): Promise<() => void> {
  // With a PostgreSQL server there is nothing to share: many processes may use it at once.
  if (config.databaseUrl) return () => undefined;
  const early = takeEarlyLock(config.dataDir);
  if (early) return early;
  for (let attempt = 0; ; attempt += 1) {
    const lock = acquireLock(config.dataDir, "server");
    if ("release" in lock) return lock.release;
    if (lock.role === "server") {
      throw new Error(`Another Custodian server (pid ${lock.pid}) already serves ${config.dataDir}.`);
    }
    // A CLI command holds the embedded database for a moment: wait for it.
    if (attempt > 100) throw new Error(`The CLI (pid ${lock.pid}) holds ${config.dataDir}; try again.`);
    await sleep(100);
  }
}

/** On an empty database: a default organisation, project and API key, written to bootstrap.json (0600). */
async function bootstrap(platform: Platform): Promise<string | null> {
  if (!(await platform.tenancy.isEmpty())) return null;
  const { organization, project } = await platform.tenancy.createOrganization(
    "Default organization",
    "system",
  );
  const key = await platform.apiKeys.create({
    organizationId: organization.id,
    projectId: project.id,
    name: "Bootstrap key",
    actor: "system",
  });
  const file = path.join(platform.config.dataDir, bootstrapFileName);
  const content = { organization: organization.id, project: project.id, api_key: key.key };
  writeFileSync(file, JSON.stringify(content, null, 2) + "\n", { mode: 0o600 });
  return file;
}

export async function startServer(
  config: Readonly<Config>,
  logger: Logger = createLogger(config),
  /** adminSocket false: no admin socket for the CLI (a cluster's other serving processes; cluster-serve.ts). */
  options: PlatformOptions & { adminSocket?: boolean } = {},
): Promise<RunningServer> {
  const release = await takeDataDir(config);
  let platform: Platform | null = null;
  try {
    platform = await openPlatform(config, logger, options);
    // Local models load in the background; a request that comes first waits for its model.
    void platform.localModels?.ready();
    const bootstrapFile = await bootstrap(platform);
    const tls = config.http ? null : await tlsMaterial(config.dataDir, config.tls);
    const authFailures = new AuthFailureSummary(platform.audit, undefined, platform.logger);
    const metrics = new Metrics();
    for (const metric of platform.audit.metrics) metrics.registry.registerMetric(metric);
    metrics.registry.registerMetric(periodicTaskFailures);
    const db = platform.db;
    let draining = false;
    const app = await buildApp({
      logger,
      https: tls,
      metrics,
      metricsToken: config.metricsToken,
      metricsWithoutToken: config.metricsWithoutToken,
      trustedProxies: config.trustedProxies,
      draining: () => draining,
      readinessChecks: { database: () => sql`select 1`.execute(db) },
      apiKeys: platform.apiKeys,
      authFailures,
      models: platform.models,
      moderation: platform.privacy.moderation,
      usageReports: platform.usage.reports,
      files: platform.files,
      fineTuning: platform.finetune,
      keyFeatures: platform.access,
      responses: platform.responses,
      batches: platform.batches.service,
      documents: platform.documents,
      policies: [...platform.policies],
      // The modules' observers, then the request metrics.
      observers: [...platform.observers, metrics],
      permissions: { sessions: platform.identity.sessions, access: platform.access },
      routes: platform.routes,
    });
    await app.listen({ host: config.host, port: config.port });
    // The demo model's first build takes a core for about a minute: only now that the server answers.
    platform.demoModelBuild?.start();
    // Only a serving process runs fine-tuning jobs; it first takes back jobs of servers that died.
    await platform.finetune.worker.start();
    // Every serving node runs batches; they share the queue and take over a dead node's batches.
    await platform.batches.worker.start();
    // Uploads a crash cut short: on the embedded database no other process can be mid-upload; on a
    // shared server another node may be, so only rows an hour old are swept.
    // A failure is logged here, and the files module's hourly sweep tries again and reports it.
    await platform.files
      .sweepUnstored(config.databaseUrl ? 3_600_000 : 0)
      .catch((error: unknown) =>
        logger.error(
          { failure: error instanceof Error ? error.name : "unknown" },
          "unfinished uploads not swept",
        ),
      );
    const port = (app.server.address() as AddressInfo).port;

    const token = randomToken(43);
    const tokenFile = path.join(config.dataDir, adminTokenName);
    const socket = path.join(config.dataDir, adminSocketName);
    const admin = await buildAdminApp({
      token,
      operations: operationTable,
      services: platform satisfies TableServices<AdminOperationTable>,
      caller: { actor: "cli" },
      logger,
    });
    const ownsAdminSocket = options.adminSocket !== false;
    if (ownsAdminSocket) {
      writeFileSync(tokenFile, token + "\n", { mode: 0o600 });
      chmodSync(tokenFile, 0o600);
      if (existsSync(socket)) unlinkSync(socket);
      // exclusive: in a cluster's serving process the socket stays its own, not shared through the primary.
      await admin.listen({ path: socket, exclusive: true });
      chmodSync(socket, 0o600);
    }

    const scheme = tls ? "https" : "http";
    const hostForUrl = config.host.includes(":") ? `[${config.host}]` : config.host;
    // PLAT-2: the live trust probes start once the listener answers, in the background.
    platform.trust.serve({
      url: `${scheme}://${hostForUrl}:${port}`,
      caFile: tls?.caFile ?? null,
      routes: app.routeTable,
    });
    const opened = platform;
    let closing: Promise<void> | null = null;
    return {
      url: `${scheme}://${hostForUrl}:${port}`,
      port,
      caFile: tls?.caFile ?? null,
      bootstrapFile,
      platform: opened,
      authFailures,
      routes: app.routeTable,
      close() {
        closing ??= (async () => {
          draining = true;
          // Stop accepting, let in-flight requests and streams finish, then cut what is left.
          const deadline = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
          deadline.unref();
          await admin.close();
          await app.close();
          clearTimeout(deadline);
          await authFailures.close();
          // The audit log's shutdown checkpoint is signed and published by the platform's close.
          await opened.close();
          if (ownsAdminSocket) for (const file of [socket, tokenFile]) if (existsSync(file)) unlinkSync(file);
          release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await platform?.close();
    // A start that failed before it opened the database: the early start must not be cut off mid-way.
    await abandonEarlyStart();
    release();
    throw error;
  }
}
