// /v1/batches: each batch (its queue state, counts and times) and the result of each of its requests,
// sealed by the organisation's key until the batch is finalised into its output and error files.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("batches")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("seq", "bigserial", (column) => column.notNull())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("project_id", "text", (column) => column.notNull())
    .addColumn("key_id", "text", (column) => column.notNull())
    .addColumn("endpoint", "text", (column) => column.notNull())
    .addColumn("input_file_id", "text", (column) => column.notNull())
    .addColumn("completion_window", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    // The client's metadata as JSON, sealed (place: batches/id): it may say what the batch is about.
    .addColumn("metadata", "bytea")
    // OpenAI's `errors` list of a batch whose input was refused: codes, lines and fixed messages only.
    .addColumn("errors", "jsonb")
    .addColumn("total", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("completed", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("failed", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("output_file_id", "text")
    .addColumn("error_file_id", "text")
    .addColumn("worker_id", "text")
    .addColumn("heartbeat_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (column) => column.notNull())
    .addColumn("in_progress_at", "timestamptz")
    .addColumn("finalizing_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .addColumn("failed_at", "timestamptz")
    .addColumn("expired_at", "timestamptz")
    .addColumn("cancelling_at", "timestamptz")
    .addColumn("cancelled_at", "timestamptz")
    // When the output and error files outlive the API retention (API-1) and are deleted.
    .addColumn("output_expires_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("batches_scope")
    .on("batches")
    .columns(["organization_id", "project_id", "seq"])
    .execute();
  await db.schema.createIndex("batches_queue").on("batches").columns(["status", "seq"]).execute();
  await db.schema
    .createTable("batch_results")
    .addColumn("batch_id", "text", (column) => column.notNull().references("batches.id").onDelete("cascade"))
    .addColumn("line", "integer", (column) => column.notNull())
    .addColumn("organization_id", "text", (column) => column.notNull())
    .addColumn("ok", "boolean", (column) => column.notNull())
    // The output line (custom_id, response or error) as JSON, sealed (place: batch_results/batch:line).
    .addColumn("content", "bytea", (column) => column.notNull())
    .addPrimaryKeyConstraint("batch_results_key", ["batch_id", "line"])
    .execute();
}
