// PLAT-2: where the live probes' results are kept (when, how long, what was checked; never content),
// read back as each probe's latest result and as history, and the nodes' heartbeats (PLAT-3).
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import type { ProbeResult } from "../privacy/trust-report.ts";
import "./trust-tables.ts";

/** Results older than this are dropped when new ones are written. */
const keepMs = 90 * 86_400_000;

function toResult(row: {
  probe: string;
  commitments: string;
  status: string;
  trigger: string;
  started_at: Date;
  duration_ms: number;
  checks: string;
  failure: string | null;
}): ProbeResult {
  return {
    probe: row.probe,
    commitments: JSON.parse(row.commitments) as string[],
    status: row.status as ProbeResult["status"],
    trigger: row.trigger as ProbeResult["trigger"],
    startedAt: new Date(row.started_at).toISOString(),
    durationMs: row.duration_ms,
    checks: JSON.parse(row.checks) as string[],
    failure: row.failure,
  };
}

export interface NodeHeartbeat {
  nodeId: string;
  startedAt: Date;
  seenAt: Date;
  settingsDigest: string;
}

export class ProbeStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async record(roundId: string, nodeId: string, results: readonly ProbeResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.#db
      .insertInto("trust_probe_runs")
      .values(
        results.map((result) => ({
          id: `probe_${randomToken(20)}`,
          round_id: roundId,
          probe: result.probe,
          commitments: JSON.stringify(result.commitments),
          status: result.status,
          trigger: result.trigger,
          node_id: nodeId,
          started_at: new Date(result.startedAt),
          duration_ms: result.durationMs,
          checks: JSON.stringify(result.checks),
          failure: result.failure,
        })),
      )
      .execute();
    await this.#db
      .deleteFrom("trust_probe_runs")
      .where("started_at", "<", new Date(Date.now() - keepMs))
      .execute();
  }

  /** The newest result of each probe. */
  async latest(): Promise<ProbeResult[]> {
    const rows = await this.#db
      .selectFrom("trust_probe_runs")
      .selectAll()
      .distinctOn("probe")
      .orderBy("probe")
      .orderBy("started_at", "desc")
      .execute();
    return rows.map(toResult);
  }

  /** The newest `limit` results, newest first (the trust page's history; the evidence export). */
  async history(limit: number): Promise<ProbeResult[]> {
    const rows = await this.#db
      .selectFrom("trust_probe_runs")
      .selectAll()
      .orderBy("started_at", "desc")
      .limit(Math.min(Math.max(limit, 1), 10_000))
      .execute();
    return rows.map(toResult);
  }

  async heartbeat(nodeId: string, startedAt: Date, settingsDigest: string): Promise<void> {
    await this.#db
      .insertInto("trust_nodes")
      .values({
        node_id: nodeId,
        started_at: startedAt,
        seen_at: new Date(),
        settings_digest: settingsDigest,
      })
      .onConflict((conflict) =>
        conflict.column("node_id").doUpdateSet({ seen_at: new Date(), settings_digest: settingsDigest }),
      )
      .execute();
  }

  /** Nodes seen since `since`, newest first. */
  async nodes(since: Date): Promise<NodeHeartbeat[]> {
    const rows = await this.#db
      .selectFrom("trust_nodes")
      .selectAll()
      .where("seen_at", ">=", since)
      .orderBy("seen_at", "desc")
      .execute();
    return rows.map((row) => ({
      nodeId: row.node_id,
      startedAt: row.started_at,
      seenAt: row.seen_at,
      settingsDigest: row.settings_digest,
    }));
  }

  /** Forget a node (it closed). */
  async leave(nodeId: string): Promise<void> {
    await this.#db.deleteFrom("trust_nodes").where("node_id", "=", nodeId).execute();
  }
}
