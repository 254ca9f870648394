// Files (content sealed in the blob store), fine-tuning jobs as a queue, their events, and the
// organisation-private fine-tuned models (weights sealed in the blob store).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("files")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("purpose", "text", (column) => column.notNull())
    .addColumn("bytes", "bigint", (column) => column.notNull())
    .addColumn("filename", "bytea", (column) => column.notNull())
    .addColumn("wrapped_key", "bytea", (column) => column.notNull())
    .addColumn("blob_key", "text", (column) => column.notNull())
    .addColumn("examples", "integer")
    .addColumn("seq", "bigserial", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("files_organization_seq")
    .on("files")
    .columns(["organization_id", "seq"])
    .execute();

  await db.schema
    .createTable("fine_tuning_jobs")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("training_file", "text", (column) => column.notNull())
    .addColumn("validation_file", "text")
    .addColumn("n_epochs", "integer", (column) => column.notNull())
    .addColumn("learning_rate_multiplier", "double precision", (column) => column.notNull())
    .addColumn("batch_size", "integer", (column) => column.notNull())
    .addColumn("suffix", "text")
    .addColumn("seed", "integer", (column) => column.notNull())
    .addColumn("status", "text", (column) =>
      column
        .notNull()
        .check(sql`status in ('validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled')`),
    )
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("error_param", "text")
    .addColumn("fine_tuned_model", "text")
    .addColumn("trained_tokens", "bigint")
    .addColumn("worker_id", "text")
    .addColumn("heartbeat_at", "timestamptz")
    .addColumn("attempts", "integer", (column) => column.notNull().defaultTo(0))
    .addColumn("seq", "bigserial", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("fine_tuning_jobs_organization_seq")
    .on("fine_tuning_jobs")
    .columns(["organization_id", "seq"])
    .execute();
  await db.schema
    .createIndex("fine_tuning_jobs_status")
    .on("fine_tuning_jobs")
    .columns(["status", "seq"])
    .execute();

  await db.schema
    .createTable("fine_tuning_events")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("job_id", "text", (column) =>
      column.notNull().references("fine_tuning_jobs.id").onDelete("cascade"),
    )
    .addColumn("organization_id", "text", (column) => column.notNull())
    .addColumn("level", "text", (column) => column.notNull())
    .addColumn("type", "text", (column) => column.notNull())
    .addColumn("message", "text", (column) => column.notNull())
    .addColumn("data", "text")
    .addColumn("seq", "bigserial", (column) => column.notNull().unique())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("fine_tuning_events_job_seq")
    .on("fine_tuning_events")
    .columns(["job_id", "seq"])
    .execute();

  await db.schema
    .createTable("fine_tuned_models")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("organization_id", "text", (column) =>
      column.notNull().references("organizations.id").onDelete("cascade"),
    )
    .addColumn("base_model", "text", (column) => column.notNull())
    .addColumn("job_id", "text", (column) => column.notNull())
    .addColumn("bytes", "bigint", (column) => column.notNull())
    .addColumn("wrapped_key", "bytea", (column) => column.notNull())
    .addColumn("blob_key", "text", (column) => column.notNull())
    .addColumn("created_at", "timestamptz", (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("fine_tuned_models").execute();
  await db.schema.dropTable("fine_tuning_events").execute();
  await db.schema.dropTable("fine_tuning_jobs").execute();
  await db.schema.dropTable("files").execute();
}
