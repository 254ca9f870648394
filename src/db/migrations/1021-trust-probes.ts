// PLAT-2: the live trust probes' results (when, how long, what was checked; never content) and each
// node's heartbeat with a digest of its settings (PLAT-3: nodes sharing a database agree on them).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("trust_probe_runs")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("round_id", "text", (column) => column.notNull())
    .addColumn("probe", "text", (column) => column.notNull())
    .addColumn("commitments", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("trigger", "text", (column) => column.notNull())
    .addColumn("node_id", "text", (column) => column.notNull())
    .addColumn("started_at", "timestamptz", (column) => column.notNull())
    .addColumn("duration_ms", "integer", (column) => column.notNull())
    .addColumn("checks", "text", (column) => column.notNull())
    .addColumn("failure", "text")
    .execute();
  await db.schema
    .createIndex("trust_probe_runs_by_probe")
    .on("trust_probe_runs")
    .columns(["probe", "started_at"])
    .execute();
  await db.schema
    .createIndex("trust_probe_runs_by_time")
    .on("trust_probe_runs")
    .column("started_at")
    .execute();
  await db.schema
    .createTable("trust_nodes")
    .addColumn("node_id", "text", (column) => column.primaryKey())
    .addColumn("started_at", "timestamptz", (column) => column.notNull())
    .addColumn("seen_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("settings_digest", "text", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("trust_nodes").execute();
  await db.schema.dropTable("trust_probe_runs").execute();
}
