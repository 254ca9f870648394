// The trust domain's tables (migration 1021-trust-probes): the probes' results and the nodes' heartbeats.
import type { ColumnType } from "kysely";

export interface TrustProbeRunsTable {
  id: string;
  round_id: string;
  probe: string;
  /** The commitment IDs the probe checks, as a JSON array. */
  commitments: string;
  status: string;
  trigger: string;
  node_id: string;
  started_at: Date;
  duration_ms: number;
  /** What was checked, in words (JSON array); never content. */
  checks: string;
  failure: string | null;
}

export interface TrustNodesTable {
  node_id: string;
  started_at: Date;
  seen_at: ColumnType<Date, Date | undefined, Date>;
  settings_digest: string;
}

declare module "../db/schema.ts" {
  interface Database {
    trust_probe_runs: TrustProbeRunsTable;
    trust_nodes: TrustNodesTable;
  }
}
