// PLAT-2: the live trust service. A serving process runs every probe in the background soon after it
// starts listening (never holding up readiness), then on a schedule (`trustProbeIntervalMs`, hourly by
// default; one node at a time across a cluster; 0 leaves only the on-demand runs), and on demand (`custodian verify`, the trust page's
// "Run checks now"). Results are stored; a failed probe is logged, counted and raised as a security
// event, like every periodic task's failure. The report joins the latest results to the last test run.
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import { PeriodicTask } from "../jobs/periodic-task.ts";
import type { SecurityEvents } from "../notify/security-events.ts";
import type { LiveSettingName } from "../privacy/commitments.ts";
import {
  buildTrustReport,
  repositoryRoot,
  type ProbeResult,
  type TrustReport,
} from "../privacy/trust-report.ts";
import type { Probe, ProbeContext, ProbeListener } from "./probe.ts";
import { runProbes } from "./probe-runner.ts";
import { ProbeStore } from "./probe-store.ts";

/** The first round comes this soon after the listener opens: after readiness, never before it. */
const firstRoundMs = 1_000;
/** Nodes write a heartbeat this often (PLAT-3). */
export const heartbeatMs = 30_000;

/** A round in which some probe failed (the periodic task logs, counts and reports it). */
export class ProbeRoundFailed extends Error {
  override readonly name = "ProbeRoundFailed";
}

/** The settings every node sharing a database must agree on, as one digest (never a secret's value). */
export function settingsDigest(config: Readonly<Config>): string {
  const shared = {
    deletionWindowMs: config.deletionWindowMs,
    purgeIntervalMs: config.purgeIntervalMs,
    trustProbeIntervalMs: config.trustProbeIntervalMs,
    checkpointEvery: config.checkpointEvery,
    apiKeyCacheMs: config.apiKeyCacheMs,
    upstreams: config.upstreams.map((upstream) => [upstream.name, upstream.baa === true]),
    blobStore: config.blobStore.kind,
  };
  return createHash("sha256").update(JSON.stringify(shared)).digest("hex").slice(0, 16);
}

export interface TrustService {
  /** Run every probe now and keep the results (`custodian verify`, "Run checks now"). */
  runNow(trigger?: ProbeResult["trigger"]): Promise<ProbeResult[]>;
  /** The newest result of each probe. */
  latest(): Promise<ProbeResult[]>;
  /** The newest `limit` results, newest first: the trust page's history and the evidence export's. */
  history(limit: number): Promise<ProbeResult[]>;
  /** Every commitment with its live probes' latest results and its proofs in the last test run. */
  report(): Promise<TrustReport>;
  /** The probes, for the trust page's links and remedies. */
  readonly probes: readonly Probe[];
  /** Rounds this process has recorded: a copy of the report made before the last one is stale. */
  recorded(): number;
  /** What the probes run against now (the listener once serving); a probe's negative test breaks a part. */
  context(): Omit<ProbeContext, "signal">;
  /** Start the rounds and heartbeats of a serving process, against its public listener. */
  serve(listener: ProbeListener): void;
  stop(): Promise<void>;
}

export function createTrustService(dependencies: {
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  events: SecurityEvents;
  probes: readonly Probe[];
  /** Everything a probe runs against but the listener, the node id and the signal. */
  context: Omit<ProbeContext, "listener" | "nodeId" | "signal">;
  settings(): Promise<Record<LiveSettingName, unknown>>;
  /** Where the test runner's report is read (the repository root). */
  root?: string;
}): TrustService {
  const { config, db, logger, events, probes } = dependencies;
  const store = new ProbeStore(db);
  const nodeId = `node_${randomUUID()}`;
  const startedAt = new Date();
  let listener: ProbeListener | null = null;
  let current: Promise<ProbeResult[]> | null = null;
  let rounds = 0;
  let recorded = 0;
  let heartbeat: NodeJS.Timeout | null = null;
  let task: PeriodicTask | null = null;
  let stopped = false;

  async function round(trigger: ProbeResult["trigger"]): Promise<ProbeResult[]> {
    const results = await runProbes(probes, { ...dependencies.context, listener, nodeId }, trigger);
    await store.record(`round_${randomToken(16)}`, nodeId, results);
    recorded += 1;
    for (const failed of results.filter((result) => result.status === "failed")) {
      logger.error(
        { probe: failed.probe, commitments: failed.commitments.join(","), failure: failed.failure },
        "trust probe failed",
      );
      await events.raise({
        type: "security.trust_probe_failed",
        data: {
          probe: failed.probe,
          commitments: failed.commitments.join(","),
          failure: failed.failure ?? "failed",
          node: nodeId,
        },
      });
    }
    return results;
  }

  /** One round at a time in this process: a second caller waits for the round in progress. */
  function runNow(trigger: ProbeResult["trigger"] = "demand"): Promise<ProbeResult[]> {
    current ??= round(trigger).finally(() => {
      current = null;
    });
    return current;
  }

  async function beat(): Promise<void> {
    await store
      .heartbeat(nodeId, startedAt, settingsDigest(config))
      .catch((error: unknown) =>
        logger.warn({ failure: error instanceof Error ? error.name : "unknown" }, "heartbeat not written"),
      );
  }

  return {
    probes,
    recorded: () => recorded,
    context: () => ({ ...dependencies.context, listener, nodeId }),
    runNow,
    latest: () => store.latest(),
    history: (limit) => store.history(limit),
    async report() {
      return buildTrustReport({
        root: dependencies.root ?? repositoryRoot,
        latest: await store.latest(),
        settings: await dependencies.settings(),
      });
    },
    serve(served) {
      if (stopped || task) return;
      listener = served;
      void beat();
      heartbeat = setInterval(() => void beat(), heartbeatMs);
      heartbeat.unref();
      const interval = config.trustProbeIntervalMs;
      // 0: only on demand (`custodian verify`, "Run checks now").
      if (interval === 0) return;
      task = new PeriodicTask({
        name: "trust.probes",
        intervalMs: interval,
        firstRunMs: firstRoundMs,
        db,
        logger,
        retries: 0,
        run: async () => {
          const results = await runNow(rounds++ === 0 ? "start" : "schedule");
          if (results.some((result) => result.status === "failed")) throw new ProbeRoundFailed();
        },
      });
      task.start();
    },
    async stop() {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      await task?.stop();
      await current?.catch(() => undefined);
      await store.leave(nodeId).catch(() => undefined);
    },
  };
}
