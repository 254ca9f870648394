// Fine-tuning jobs (FT-1): creation (with the checks that can be made at once), listing, events and
// cancellation. Every query is scoped by organisation here; the worker runs the jobs.
import type { Selectable } from "kysely";
import type { AuditLog } from "../audit/audit-log.ts";
import { CustodianError, errors } from "../core/errors.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import type { FileService } from "../files/file-service.ts";
import type { BaseModels } from "./base-models.ts";
import { finetuneErrors } from "./finetune-errors.ts";
import type { FineTuningEventsTable, FineTuningJobsTable, JobStatus } from "./finetune-tables.ts";

export type JobRow = Selectable<FineTuningJobsTable>;
export type EventRow = Selectable<FineTuningEventsTable>;

export interface CreateJobInput {
  organizationId: string;
  actor: string;
  model: string;
  trainingFile: string;
  validationFile?: string | null;
  hyperparameters?: Hyperparameters;
  /**
   * OpenAI's `method`: only "supervised" is offered (its hyperparameters, or the top-level ones, not
   * both); "dpo" and "reinforcement" are refused rather than run as supervised training.
   */
  method?: {
    type: string;
    supervised?: { hyperparameters?: Hyperparameters } | null;
    [field: string]: unknown;
  };
  suffix?: string | null;
  seed?: number | null;
}

export interface Hyperparameters {
  n_epochs?: number | "auto";
  learning_rate_multiplier?: number | "auto";
  batch_size?: number | "auto";
}

const defaultEpochs = 3;
const maxEpochs = 100;
const suffixPattern = /^[a-zA-Z0-9_-]{1,40}$/;
const hyperparameterFields = new Set(["n_epochs", "learning_rate_multiplier", "batch_size"]);

/**
 * A field this server does not read, inside a nested object, is refused naming its whole path, as the top
 * level refuses one: taken and unused, it would look honoured (`hyperparameters.beta`, say).
 */
function refuseUnknownFields(value: object | null | undefined, known: ReadonlySet<string>, path: string) {
  for (const [field, given] of Object.entries(value ?? {}))
    if (!known.has(field) && given != null)
      throw errors.invalidRequest(
        `Unsupported parameter '${path}.${field}' for fine-tuning jobs.`,
        `${path}.${field}`,
        "unsupported_parameter",
      );
}

/** The hyperparameters a job runs with, from `method.supervised` or the (older) top level. */
function requestedHyperparameters(input: CreateJobInput): { values: Hyperparameters; param: string } {
  const method = input.method;
  refuseUnknownFields(input.hyperparameters, hyperparameterFields, "hyperparameters");
  if (!method) return { values: input.hyperparameters ?? {}, param: "hyperparameters" };
  if (method.type !== "supervised") {
    throw errors.invalidRequest(
      `Fine-tuning method '${String(method.type)}' is not offered here: only "supervised" is.`,
      "method.type",
      "unsupported_method",
    );
  }
  for (const field of Object.keys(method)) {
    if (field !== "type" && field !== "supervised")
      throw errors.invalidRequest(
        `'method.${field}' does not apply to supervised fine-tuning.`,
        `method.${field}`,
      );
  }
  refuseUnknownFields(method.supervised, new Set(["hyperparameters"]), "method.supervised");
  const nested = method.supervised?.hyperparameters;
  refuseUnknownFields(nested, hyperparameterFields, "method.supervised.hyperparameters");
  if (nested && input.hyperparameters) {
    throw errors.invalidRequest(
      "Give the hyperparameters in 'method.supervised.hyperparameters' or at the top level, not both.",
      "hyperparameters",
    );
  }
  return nested
    ? { values: nested, param: "method.supervised.hyperparameters" }
    : { values: input.hyperparameters ?? {}, param: "hyperparameters" };
}

function checkedHyperparameters(input: Hyperparameters, param: string) {
  const epochs = input.n_epochs ?? "auto";
  const nEpochs = epochs === "auto" ? defaultEpochs : epochs;
  if (!Number.isInteger(nEpochs) || nEpochs < 1 || nEpochs > maxEpochs) {
    throw errors.invalidRequest(
      `'n_epochs' must be a whole number from 1 to ${maxEpochs}, or "auto".`,
      `${param}.n_epochs`,
    );
  }
  const multiplier = input.learning_rate_multiplier ?? "auto";
  const rate = multiplier === "auto" ? 1 : multiplier;
  if (typeof rate !== "number" || !(rate > 0) || rate > 1000) {
    throw errors.invalidRequest(
      "'learning_rate_multiplier' must be a number above 0 and at most 1000, or \"auto\".",
      `${param}.learning_rate_multiplier`,
    );
  }
  // llama.cpp's training takes one window of tokens per optimiser step: there is no other batch size.
  const batch = input.batch_size ?? "auto";
  if (batch !== "auto" && batch !== 1) {
    throw errors.invalidRequest(
      "'batch_size' must be 1 or \"auto\": the llama.cpp trainer takes one window of tokens per step.",
      `${param}.batch_size`,
    );
  }
  return { n_epochs: nEpochs, learning_rate_multiplier: rate, batch_size: 1 };
}

export class FineTuningJobs {
  readonly #db: Db;
  readonly #audit: AuditLog;
  readonly #files: FileService;
  readonly #bases: BaseModels;
  /** Told when a job is queued or cancelled, so a worker in this process reacts at once. */
  onChange: (jobId: string) => void = () => {};

  constructor(dependencies: { db: Db; audit: AuditLog; files: FileService; bases: BaseModels }) {
    this.#db = dependencies.db;
    this.#audit = dependencies.audit;
    this.#files = dependencies.files;
    this.#bases = dependencies.bases;
  }

  #scoped(organizationId: string) {
    return this.#db.selectFrom("fine_tuning_jobs").selectAll().where("organization_id", "=", organizationId);
  }

  async create(input: CreateJobInput): Promise<JobRow> {
    const requested = requestedHyperparameters(input);
    const hyperparameters = checkedHyperparameters(requested.values, requested.param);
    if (input.suffix != null && !suffixPattern.test(input.suffix)) {
      throw errors.invalidRequest("'suffix' is 1 to 40 letters, digits, '-' or '_'.", "suffix");
    }
    const seed = input.seed ?? Math.floor(Math.random() * 2_147_483_647);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2_147_483_647) {
      throw errors.invalidRequest("'seed' must be a whole number from 0 to 2147483647.", "seed");
    }
    await this.#bases.trainablePath(input.model);
    // Refused at once, so an id that is not this organisation's fine-tuning file never becomes a job.
    await this.#files.assertFineTuneFile(input.organizationId, input.trainingFile, "training_file");
    if (input.validationFile) {
      await this.#files.assertFineTuneFile(input.organizationId, input.validationFile, "validation_file");
    }
    const id = `ftjob-${randomToken(24)}`;
    const created = await this.#db
      .insertInto("fine_tuning_jobs")
      .values({
        id,
        organization_id: input.organizationId,
        model: input.model,
        training_file: input.trainingFile,
        validation_file: input.validationFile ?? null,
        ...hyperparameters,
        suffix: input.suffix ?? null,
        seed,
        status: "validating_files",
        error_code: null,
        error_message: null,
        error_param: null,
        fine_tuned_model: null,
        trained_tokens: null,
        worker_id: null,
        heartbeat_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#audit.append({
      actor: input.actor,
      action: "fine_tuning_job.created",
      target: id,
      organizationId: input.organizationId,
      metadata: { model: input.model, training_file: input.trainingFile, n_epochs: hyperparameters.n_epochs },
    });
    // The job's events say what it will run with, "auto" resolved (FT-1).
    await this.addEvent(
      created,
      "info",
      "message",
      `Supervised fine-tuning: ${hyperparameters.n_epochs} epochs, batch size ${hyperparameters.batch_size}, learning rate multiplier ${hyperparameters.learning_rate_multiplier}`,
      { method: "supervised", ...hyperparameters },
    );
    await this.addEvent(created, "info", "message", "Validating training file");
    const job = await this.#validate(created);
    this.onChange(id);
    return job;
  }

  /** validating_files -> queued, or -> failed with the file's first problem (a line number, never content). */
  async #validate(job: JobRow): Promise<JobRow> {
    let failure: { code: string; message: string; param: string | null } | null = null;
    for (const [param, file] of [
      ["training_file", job.training_file],
      ["validation_file", job.validation_file],
    ] as const) {
      if (!file || failure) continue;
      try {
        await this.#files.fineTuneExamples(job.organization_id, file, param);
      } catch (error) {
        if (!(error instanceof CustodianError)) throw error;
        failure = { code: error.code, message: error.message, param };
      }
    }
    const row = await this.#db
      .updateTable("fine_tuning_jobs")
      .set(
        failure
          ? {
              status: "failed",
              error_code: failure.code,
              error_message: failure.message,
              error_param: failure.param,
              finished_at: new Date(),
            }
          : { status: "queued" },
      )
      .where("id", "=", job.id)
      .where("status", "=", "validating_files")
      .returningAll()
      .executeTakeFirst();
    await this.addEvent(
      job,
      failure ? "error" : "info",
      "message",
      failure ? `Validation failed: ${failure.message}` : "Files validated; fine-tuning job queued",
    );
    return row ?? (await this.get(job.organization_id, job.id));
  }

  async get(organizationId: string, id: string): Promise<JobRow> {
    const row = await this.#scoped(organizationId).where("id", "=", id).executeTakeFirst();
    if (!row) throw finetuneErrors.jobNotFound(id);
    return row;
  }

  /** Newest first; `after` is the id of the last job of the previous page. */
  async list(organizationId: string, options: { after?: string; limit?: number } = {}) {
    const limit = pageLimit(options.limit, 100);
    let query = this.#scoped(organizationId)
      .orderBy("seq", "desc")
      .limit(limit + 1);
    if (options.after) query = query.where("seq", "<", (await this.get(organizationId, options.after)).seq);
    const rows = await query.execute();
    return { jobs: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async cancel(organizationId: string, id: string, actor: string): Promise<JobRow> {
    const job = await this.get(organizationId, id);
    const row = await this.#db
      .updateTable("fine_tuning_jobs")
      .set({ status: "cancelled", finished_at: new Date() })
      .where("organization_id", "=", organizationId)
      .where("id", "=", id)
      .where("status", "in", ["validating_files", "queued", "running"])
      .returningAll()
      .executeTakeFirst();
    if (!row) throw finetuneErrors.notCancellable(id, job.status);
    await this.addEvent(row, "info", "message", "Fine-tuning job cancelled");
    await this.#audit.append({
      actor,
      action: "fine_tuning_job.cancelled",
      target: id,
      organizationId,
      metadata: { previous_status: job.status },
    });
    this.onChange(id);
    return row;
  }

  /** Newest first, as OpenAI lists them; `after` is the id of the last event of the previous page. */
  async events(organizationId: string, id: string, options: { after?: string; limit?: number } = {}) {
    await this.get(organizationId, id);
    const limit = pageLimit(options.limit, 1000);
    let query = this.#db
      .selectFrom("fine_tuning_events")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("job_id", "=", id)
      .orderBy("seq", "desc")
      .limit(limit + 1);
    if (options.after) {
      const cursor = await this.#db
        .selectFrom("fine_tuning_events")
        .select("seq")
        .where("organization_id", "=", organizationId)
        .where("id", "=", options.after)
        .executeTakeFirst();
      if (!cursor) throw errors.notFound("fine-tuning event", options.after);
      query = query.where("seq", "<", cursor.seq);
    }
    const rows = await query.execute();
    return { events: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async addEvent(
    job: Pick<JobRow, "id" | "organization_id">,
    level: EventRow["level"],
    type: EventRow["type"],
    message: string,
    data?: Record<string, number | string | null>,
  ): Promise<void> {
    await this.#db
      .insertInto("fine_tuning_events")
      .values(eventValues(job, level, type, message, data))
      .execute();
  }

  /** The status a job ended in, and the audit entry for it. */
  async finish(
    job: JobRow,
    outcome:
      | { status: "succeeded"; fineTunedModel: string; trainedTokens: number }
      | { status: "failed"; code: string; message: string; param?: string | null },
  ): Promise<void> {
    const finishedAt = new Date();
    const update =
      outcome.status === "succeeded"
        ? {
            status: "succeeded" as JobStatus,
            fine_tuned_model: outcome.fineTunedModel,
            trained_tokens: outcome.trainedTokens,
          }
        : {
            status: "failed" as JobStatus,
            error_code: outcome.code,
            error_message: outcome.message,
            error_param: outcome.param ?? null,
          };
    // Only a job still running ends this way: a cancelled one stays cancelled.
    const row = await this.#db
      .updateTable("fine_tuning_jobs")
      .set({ ...update, finished_at: finishedAt, worker_id: null })
      .where("id", "=", job.id)
      .where("status", "=", "running")
      .returningAll()
      .executeTakeFirst();
    if (!row) return;
    await this.addEvent(
      row,
      outcome.status === "succeeded" ? "info" : "error",
      "message",
      outcome.status === "succeeded"
        ? `Fine-tuning job succeeded: model ${outcome.fineTunedModel}`
        : `Fine-tuning job failed: ${outcome.message}`,
    );
    await this.#audit.append({
      actor: "system",
      action: `fine_tuning_job.${outcome.status}`,
      target: job.id,
      organizationId: job.organization_id,
      metadata:
        outcome.status === "succeeded"
          ? { model: outcome.fineTunedModel, trained_tokens: outcome.trainedTokens }
          : { code: outcome.code },
    });
  }
}

/** A page's size: 20 unless given; one out of range is refused, never clamped to a page not asked for. */
function pageLimit(limit: number | undefined, max: number): number {
  if (limit === undefined) return 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw errors.invalidRequest(`'limit' must be between 1 and ${max}.`, "limit");
  return limit;
}

function eventValues(
  job: Pick<JobRow, "id" | "organization_id">,
  level: EventRow["level"],
  type: EventRow["type"],
  message: string,
  data?: Record<string, number | string | null>,
) {
  return {
    id: `ftevent-${randomToken(24)}`,
    job_id: job.id,
    organization_id: job.organization_id,
    level,
    type,
    message,
    data: data ? JSON.stringify(data) : null,
  };
}
