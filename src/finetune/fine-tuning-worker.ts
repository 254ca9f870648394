// Runs queued fine-tuning jobs, one at a time per worker, in the child-process trainer.
//
// Why a jobs table and not pg-boss (which ARCHITECTURE.md names for jobs): pg-boss needs a real
// PostgreSQL server (its own schema, LISTEN/NOTIFY, many connections) and cannot run on the embedded
// PGlite that a single-machine install uses. The queue is the `fine_tuning_jobs` table itself: a worker
// claims the oldest `queued` row with `FOR UPDATE SKIP LOCKED`, which works the same on PGlite and on
// PostgreSQL, so many nodes on one PostgreSQL share the queue and each job runs once.
//
// A claimed job carries the worker's id and a heartbeat. A worker that dies (server restart, crash,
// lost node) stops beating; any worker, on start and then on every poll, puts such jobs back on the
// queue once (training restarts from the base model) or, after that, fails them with `worker_lost`,
// so a job is never left `running`. On embedded PGlite the data directory admits one server only, so
// at start every `running` job belongs to a dead worker.
import { rm } from "node:fs/promises";
import path from "node:path";
import { sql } from "kysely";
import type { Logger } from "pino";
import { CustodianError } from "../core/errors.ts";
import { randomToken } from "../core/ids.ts";
import type { Db } from "../db/database.ts";
import { PollLoop } from "../jobs/poll-loop.ts";
import type { BaseModels } from "./base-models.ts";
import type { FineTunedModels } from "./fine-tuned-models.ts";
import type { FineTuningJobs, JobRow } from "./fine-tuning-jobs.ts";
import { privateModelPrefix } from "../inference/private-models.ts";
import { privateTempDir, sweepLeftovers } from "./private-temp.ts";
import { train } from "./trainer/trainer.ts";
import { TrainingFailedError } from "./trainer/trainer-errors.ts";
import type { TrainingInput } from "./training-input.ts";
import { TrainingMetrics } from "./training-metrics.ts";
import type { TrainingExample } from "./trainer/training-tokens.ts";
import { validationLoss } from "./validation-loss.ts";

export interface FineTuningWorkerOptions {
  db: Db;
  jobs: FineTuningJobs;
  models: FineTunedModels;
  bases: BaseModels;
  /** OWN-1: the only source of training data. */
  input: TrainingInput;
  logger: Logger;
  /** Training threads. */
  threads: number;
  /** True when no other process can be running jobs on this database (embedded PGlite). */
  exclusive: boolean;
  pollMs?: number;
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this belongs to a dead worker. */
  staleAfterMs?: number;
}

/** learning_rate_multiplier 1 means this AdamW rate: what small pretrained models tolerate. */
export const baseLearningRate = 1e-4;
/** A job whose worker died this many times is failed instead of queued again. */
const maxAttempts = 2;

export class FineTuningWorker {
  readonly id = `worker-${randomToken(12)}`;
  readonly #options: FineTuningWorkerOptions;
  readonly #heartbeatMs: number;
  readonly #staleAfterMs: number;
  #current: { jobId: string; abort: AbortController; pid: number | null } | null = null;
  readonly #loop: PollLoop;

  constructor(options: FineTuningWorkerOptions) {
    this.#options = options;
    this.#loop = new PollLoop({
      name: "fine-tuning worker",
      pollMs: options.pollMs ?? 2_000,
      logger: options.logger,
      drain: () => this.#drain(),
    });
    this.#heartbeatMs = options.heartbeatMs ?? 10_000;
    this.#staleAfterMs = options.staleAfterMs ?? 60_000;
  }

  async start(): Promise<void> {
    // Plaintext weights a crashed server left in its private temporary directories (SEC-1).
    const swept = await sweepLeftovers();
    if (swept.length > 0)
      this.#options.logger.warn({ directories: swept.length }, "removed leftover training files");
    await this.recover({ all: this.#options.exclusive });
    this.#loop.start();
  }

  /** Look for work now (a job was queued or cancelled in this process). */
  wake(jobId?: string): void {
    if (this.#loop.stopped) return;
    if (jobId && this.#current?.jobId === jobId) void this.#checkCancelled();
    this.#loop.wake();
  }

  /** The training child's pid of the job this worker runs now, if any (for operators and tests). */
  childPid(jobId: string): number | null {
    return this.#current?.jobId === jobId ? this.#current.pid : null;
  }

  /**
   * Puts back jobs whose worker is gone: `all` (this process is the only one) takes every running job
   * not its own; otherwise only those whose heartbeat is stale.
   */
  async recover(options: { all?: boolean } = {}): Promise<void> {
    const { db } = this.#options;
    const stale = await this.#orphans(options.all === true)
      .select(["id", "organization_id", "attempts"])
      .execute();
    for (const job of stale) {
      const requeue = job.attempts < maxAttempts;
      const row = await db
        .updateTable("fine_tuning_jobs")
        .set(
          requeue
            ? { status: "queued", worker_id: null, heartbeat_at: null }
            : {
                status: "failed",
                worker_id: null,
                error_code: "worker_lost",
                error_message: "The server running this job stopped before it finished, more than once.",
                error_param: null,
                finished_at: new Date(),
              },
        )
        .where("id", "=", job.id)
        .where("status", "=", "running")
        .returningAll()
        .executeTakeFirst();
      if (!row) continue;
      await this.#options.jobs.addEvent(
        row,
        "warn",
        "message",
        requeue
          ? "The server running this job stopped; the job is queued again"
          : "The server running this job stopped; the job failed",
      );
    }
    // A server that stopped between creating a job and queuing it: the files were checked before the
    // job existed, and the worker reads them again through the training input, so queue it.
    const seconds = Math.ceil(this.#staleAfterMs / 1000);
    let validating = db
      .updateTable("fine_tuning_jobs")
      .set({ status: "queued" })
      .where("status", "=", "validating_files");
    if (!options.all) {
      validating = validating.where("created_at", "<", sql<Date>`now() - make_interval(secs => ${seconds})`);
    }
    const queued = await validating.returningAll().execute();
    for (const row of queued) {
      await this.#options.jobs.addEvent(
        row,
        "warn",
        "message",
        "Validation was interrupted; the job is queued",
      );
    }
  }

  #orphans(all: boolean) {
    let query = this.#options.db
      .selectFrom("fine_tuning_jobs")
      .where("status", "=", "running")
      .where((eb) => eb.or([eb("worker_id", "is", null), eb("worker_id", "!=", this.id)]));
    if (!all) {
      const seconds = Math.ceil(this.#staleAfterMs / 1000);
      query = query.where("heartbeat_at", "<", sql<Date>`now() - make_interval(secs => ${seconds})`);
    }
    return query;
  }

  async #drain(): Promise<void> {
    await this.recover();
    while (!this.#loop.stopped) {
      const job = await this.#claim();
      if (!job) return;
      await this.#run(job);
    }
  }

  async #claim(): Promise<JobRow | undefined> {
    const { db } = this.#options;
    return (
      db
        .updateTable("fine_tuning_jobs")
        .set({
          status: "running",
          worker_id: this.id,
          heartbeat_at: sql<Date>`now()`,
          attempts: sql<number>`attempts + 1`,
        })
        // `=` and not `in`: PostgreSQL runs a scalar subquery once, but may rescan an `in` subquery
        // for every row it updates, and with SKIP LOCKED each rescan yields the next queued job, so one
        // worker would claim them all at once (and leave all but the first stuck in `running`).
        .where("id", "=", (eb) =>
          eb
            .selectFrom("fine_tuning_jobs")
            .select("id")
            .where("status", "=", "queued")
            .orderBy("seq")
            .limit(1)
            .forUpdate()
            .skipLocked(),
        )
        .where("status", "=", "queued")
        .returningAll()
        .executeTakeFirst()
    );
  }

  async #checkCancelled(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const row = await this.#options.db
      .updateTable("fine_tuning_jobs")
      .set({ heartbeat_at: sql<Date>`now()` })
      .where("id", "=", current.jobId)
      .where("worker_id", "=", this.id)
      .where("status", "=", "running")
      .returning("id")
      .executeTakeFirst();
    // Cancelled (or taken from us): stop training.
    if (!row) current.abort.abort();
  }

  async #run(job: JobRow): Promise<void> {
    const { jobs, logger } = this.#options;
    const abort = new AbortController();
    this.#current = { jobId: job.id, abort, pid: null };
    const heartbeat = setInterval(
      () => void this.#checkCancelled().catch(() => undefined),
      this.#heartbeatMs,
    );
    heartbeat.unref();
    // SEC-1: the trained weights are plaintext here only until they are sealed into the blob store.
    const directory = await privateTempDir("train");
    const started = Date.now();
    try {
      await jobs.addEvent(job, "info", "message", "Fine-tuning job started");
      const basePath = await this.#options.bases.trainablePath(job.model);
      // OWN-1: the training data comes from here and nowhere else; it stays in memory and reaches the
      // child through its stdin, already tokenised.
      const examples = await this.#options.input({
        organizationId: job.organization_id,
        file: job.training_file,
      });
      const validation = job.validation_file
        ? await this.#options.input({
            organizationId: job.organization_id,
            file: job.validation_file,
            param: "validation_file",
          })
        : null;
      // The base model's validation loss, for the fine-tuned model's to be compared with.
      const baseLoss = validation ? await this.#validationLoss(basePath, validation) : null;
      abort.signal.throwIfAborted();
      const outputPath = path.join(directory, "model.gguf");
      const metrics = new TrainingMetrics(job.n_epochs);
      for await (const progress of train({
        baseModel: basePath,
        outputPath,
        examples,
        epochs: job.n_epochs,
        learningRate: baseLearningRate * job.learning_rate_multiplier,
        seed: job.seed,
        threads: this.#options.threads,
        signal: abort.signal,
      })) {
        if (progress.type === "started") this.#current.pid = progress.pid;
        const event = metrics.eventFor(progress);
        if (event) await jobs.addEvent(job, "info", event.type, event.message, event.data);
      }
      if (validation && baseLoss) {
        const trained = await this.#validationLoss(outputPath, validation);
        await jobs.addEvent(
          job,
          "info",
          "metrics",
          `Validation loss ${trained.loss.toFixed(4)} (base model: ${baseLoss.loss.toFixed(4)}) over ${trained.tokens} tokens`,
          {
            step: job.n_epochs * metrics.stepsPerEpoch,
            valid_loss: trained.loss,
            base_valid_loss: baseLoss.loss,
            valid_tokens: trained.tokens,
          },
        );
      }
      abort.signal.throwIfAborted();
      const modelId = `${privateModelPrefix}${job.model}:${job.organization_id}:${job.suffix ?? ""}:${job.id.slice("ftjob-".length)}`;
      await this.#options.models.store({
        id: modelId,
        organizationId: job.organization_id,
        baseModel: job.model,
        jobId: job.id,
        weightsPath: outputPath,
      });
      // Sealed: the plaintext goes now, not when the job's bookkeeping is done.
      await rm(directory, { recursive: true, force: true });
      await jobs.finish(job, {
        status: "succeeded",
        fineTunedModel: modelId,
        trainedTokens: metrics.tokens * job.n_epochs,
      });
      logger.info({ job: job.id, ms: Date.now() - started }, "fine-tuning job succeeded");
    } catch (error) {
      if (abort.signal.aborted) {
        // Cancelled by its organisation (its status says so already), or this server is stopping:
        // then the job goes back on the queue for the next server to run.
        if (this.#loop.stopped) await this.#requeue(job);
        logger.info({ job: job.id, shutdown: this.#loop.stopped }, "fine-tuning job stopped");
        return;
      }
      const failure =
        error instanceof TrainingFailedError
          ? { code: error.code, message: error.message }
          : error instanceof CustodianError
            ? { code: error.code, message: error.message, param: error.param }
            : {
                code: "internal_error",
                message: "The fine-tuning job failed; the server log names the reason.",
              };
      logger.warn(
        {
          job: job.id,
          code: failure.code,
          failure: error instanceof Error ? error.name : typeof error,
          ...(error instanceof TrainingFailedError
            ? { exitCode: error.diagnostics.exitCode, signal: error.diagnostics.signal }
            : {}),
        },
        "fine-tuning job failed",
      );
      await jobs.finish(job, { status: "failed", ...failure });
    } finally {
      clearInterval(heartbeat);
      this.#current = null;
      await rm(directory, { recursive: true, force: true });
    }
  }

  /**
   * Measured in this process through node-llama-cpp, as the server serves models: the trainer's
   * child reports training loss only (llama.cpp's evaluation split would need changes inside it).
   */
  #validationLoss(modelPath: string, examples: TrainingExample[]) {
    return validationLoss(modelPath, examples, { threads: this.#options.threads });
  }

  async #requeue(job: JobRow): Promise<void> {
    const row = await this.#options.db
      .updateTable("fine_tuning_jobs")
      .set({ status: "queued", worker_id: null, heartbeat_at: null, attempts: sql<number>`attempts - 1` })
      .where("id", "=", job.id)
      .where("worker_id", "=", this.id)
      .where("status", "=", "running")
      .returningAll()
      .executeTakeFirst();
    if (row)
      await this.#options.jobs.addEvent(
        row,
        "warn",
        "message",
        "The server is stopping; the job is queued again",
      );
  }

  async stop(): Promise<void> {
    this.#loop.halt();
    this.#current?.abort.abort();
    await this.#loop.settled();
  }
}
