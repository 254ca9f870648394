// Runs batches in the background, on every serving node at once. The queue is the `batches` table: a
// worker claims the oldest unfinished batch nobody holds (`FOR UPDATE SKIP LOCKED`, the same on PGlite and
// PostgreSQL) and keeps a heartbeat on it; a batch whose worker stopped beating (a crashed or lost node) is
// claimed by another, which resumes it where its results stop: each finished request is recorded (sealed)
// before the next is counted, so no request runs twice unless a node died while running it.
// Requests run `concurrency` at a time per node, each through the same pipeline as a live /v1 request.
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import type { Logger } from "pino";
import { CustodianError } from "../core/errors.ts";
import { publicToken, randomToken, timeOrderedId } from "../core/ids.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Db } from "../db/database.ts";
import type { FileService } from "../files/file-service.ts";
import { PollLoop } from "../jobs/poll-loop.ts";
import { parseBatchInput, type BatchEndpoint, type BatchLine } from "./batch-input.ts";
import { finalizeBatch, resultPlace, type RetentionRules } from "./batch-finalize.ts";
import type { BatchRequestRunner, BatchResponse } from "./batch-request-runner.ts";
import type { BatchRow } from "./batch-service.ts";

export interface BatchWorkerOptions {
  db: Db;
  keyring: Keyring;
  files: FileService;
  runner: BatchRequestRunner;
  rules: RetentionRules;
  logger: Logger;
  /** Requests in flight at once on this node. */
  concurrency: number;
  /** True when no other process can be running batches on this database (embedded PGlite). */
  exclusive: boolean;
  pollMs?: number;
  heartbeatMs?: number;
  /** A claimed batch whose heartbeat is older than this belongs to a dead worker. */
  staleAfterMs?: number;
}

/** Attempts of one request refused with a retryable answer (a rate limit) before its refusal is kept. */
const maxAttempts = 5;

export class BatchWorker {
  readonly id = `batch-worker-${randomToken(12)}`;
  readonly #options: BatchWorkerOptions;
  readonly #heartbeatMs: number;
  readonly #staleAfterMs: number;
  readonly #loop: PollLoop;
  #stopping = new AbortController();
  /** Aborts the batch running now (cancelled, or taken by another node). */
  #current: AbortController | null = null;

  constructor(options: BatchWorkerOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? 5_000;
    this.#staleAfterMs = options.staleAfterMs ?? 60_000;
    this.#loop = new PollLoop({
      name: "batch worker",
      pollMs: options.pollMs ?? 2_000,
      logger: options.logger,
      drain: () => this.#drain(),
    });
  }

  async start(): Promise<void> {
    if (!this.#loop.stopped) return;
    this.#stopping = new AbortController();
    // On embedded PGlite this process is the only server: every held batch was held by a dead one.
    if (this.#options.exclusive) {
      await this.#options.db
        .updateTable("batches")
        .set({ worker_id: null, heartbeat_at: null })
        .where("worker_id", "is not", null)
        .execute();
    }
    this.#loop.start();
  }

  async stop(): Promise<void> {
    this.#loop.halt();
    this.#stopping.abort();
    await this.#loop.settled();
  }

  /** Look for work now (a batch was created or cancelled in this process). */
  wake(): void {
    if (this.#loop.stopped) return;
    this.#beatOrLog();
    this.#loop.wake();
  }

  async #drain(): Promise<void> {
    while (!this.#loop.stopped) {
      const batch = await this.#claim();
      if (!batch) return;
      await this.#run(batch);
    }
  }

  async #claim(): Promise<BatchRow | undefined> {
    const stale = sql<Date>`now() - make_interval(secs => ${Math.ceil(this.#staleAfterMs / 1000)})`;
    const open = ["in_progress", "cancelling", "finalizing"] as const;
    return (
      this.#options.db
        .updateTable("batches")
        .set({ worker_id: this.id, heartbeat_at: sql<Date>`now()` })
        // `=` and not `in`: a scalar subquery runs once (see fine-tuning-worker.ts for why it matters).
        .where("id", "=", (eb) =>
          eb
            .selectFrom("batches")
            .select("id")
            .where("status", "in", open)
            .where((inner) => inner.or([inner("worker_id", "is", null), inner("heartbeat_at", "<", stale)]))
            .orderBy("seq")
            .limit(1)
            .forUpdate()
            .skipLocked(),
        )
        .where("status", "in", open)
        .returningAll()
        .executeTakeFirst()
    );
  }

  /** Says this worker is alive; aborts the batch if it was cancelled or taken by another node. */
  async #beat(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const row = await this.#options.db
      .updateTable("batches")
      .set({ heartbeat_at: sql<Date>`now()` })
      .where("worker_id", "=", this.id)
      .returning(["status"])
      .executeTakeFirst();
    if (!row || row.status === "cancelling") current.abort();
  }

  /** A heartbeat in the background; one that fails is logged (a missed beat risks a takeover). */
  #beatOrLog(): void {
    this.#beat().catch((error: unknown) => {
      this.#options.logger.warn(
        { failure: error instanceof Error ? error.name : typeof error },
        "batch heartbeat failed",
      );
    });
  }

  async #run(batch: BatchRow): Promise<void> {
    const { db, files, logger } = this.#options;
    const abort = new AbortController();
    this.#current = abort;
    const heartbeat = setInterval(() => this.#beatOrLog(), this.#heartbeatMs);
    heartbeat.unref();
    try {
      let lines: BatchLine[] = [];
      try {
        const content = await files.content(batch.organization_id, batch.input_file_id);
        lines = parseBatchInput(content, batch.endpoint as BatchEndpoint).lines;
      } catch (error) {
        if (!(error instanceof CustodianError && error.status === 404)) throw error;
        // The input file was deleted before its requests ran.
        const failure = {
          code: "input_file_deleted",
          message: "The input file was deleted.",
          param: "input_file_id",
          line: null,
        };
        await db
          .updateTable("batches")
          .set({ errors: JSON.stringify([failure]) })
          .where("id", "=", batch.id)
          .execute();
        await this.#finalize(batch, [], batch.status === "cancelling" ? "cancelled" : "failed");
        return;
      }
      if (batch.status === "in_progress" && Date.now() < batch.expires_at.getTime()) {
        await this.#execute(batch, lines, abort.signal);
      }
      if (this.#loop.stopped) return this.#release(batch.id);
      const now = await db
        .selectFrom("batches")
        .select(["status", "worker_id"])
        .where("id", "=", batch.id)
        .executeTakeFirst();
      if (!now || now.worker_id !== this.id) return;
      const done = await db
        .selectFrom("batch_results")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("batch_id", "=", batch.id)
        .executeTakeFirstOrThrow();
      const finished = Number(done.count) >= lines.length;
      const status =
        now.status === "cancelling"
          ? "cancelled"
          : finished
            ? "completed"
            : Date.now() >= batch.expires_at.getTime()
              ? "expired"
              : null;
      // Neither finished nor expired (stopped mid-way): leave it for the next claim.
      if (!status) return this.#release(batch.id);
      if (status !== "cancelled") {
        await db
          .updateTable("batches")
          .set({ status: "finalizing", finalizing_at: new Date() })
          .where("id", "=", batch.id)
          .where("status", "=", "in_progress")
          .execute();
      }
      await this.#finalize(batch, lines, status);
    } catch (error) {
      logger.error(
        { batch: batch.id, failure: error instanceof Error ? error.name : "unknown" },
        "batch failed to run",
      );
      await this.#release(batch.id).catch(() => undefined);
    } finally {
      clearInterval(heartbeat);
      this.#current = null;
    }
  }

  async #release(id: string): Promise<void> {
    await this.#options.db
      .updateTable("batches")
      .set({ worker_id: null, heartbeat_at: null })
      .where("id", "=", id)
      .where("worker_id", "=", this.id)
      .execute();
  }

  async #finalize(
    batch: BatchRow,
    lines: BatchLine[],
    status: "completed" | "expired" | "cancelled" | "failed",
  ) {
    await finalizeBatch(this.#options, batch, lines, status, batch.key_id);
    this.#options.logger.info({ batch: batch.id, status }, "batch finished");
  }

  /** Runs the requests not yet recorded, `concurrency` at a time, until done, cancelled, stopped or expired. */
  async #execute(batch: BatchRow, lines: BatchLine[], cancelled: AbortSignal): Promise<void> {
    const { db } = this.#options;
    const recorded = await db
      .selectFrom("batch_results")
      .select("line")
      .where("batch_id", "=", batch.id)
      .execute();
    const done = new Set(recorded.map((row) => row.line));
    const pending = lines.filter((line) => !done.has(line.index));
    const remainingMs = Math.max(batch.expires_at.getTime() - Date.now(), 1);
    const signal = AbortSignal.any([cancelled, this.#stopping.signal, AbortSignal.timeout(remainingMs)]);
    let next = 0;
    const lane = async () => {
      while (next < pending.length && !signal.aborted) {
        const line = pending[next++]!;
        const response = await this.#request(batch, line, signal);
        if (response) await this.#record(batch, line, response.requestId, response);
      }
    };
    const lanes = Math.min(Math.max(this.#options.concurrency, 1), pending.length);
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  /** One request, retried while refused for a while (rate limits); null when cut short by the signal. */
  async #request(batch: BatchRow, line: BatchLine, signal: AbortSignal) {
    const caller = {
      organizationId: batch.organization_id,
      projectId: batch.project_id,
      keyId: batch.key_id,
    };
    const requestId = timeOrderedId("req");
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.#options.runner.run(caller, batch.endpoint as BatchEndpoint, line.body, {
        requestId,
        signal,
      });
      if (signal.aborted) return null;
      if (response.retryAfterMs === undefined || attempt >= maxAttempts) return { ...response, requestId };
      const waited = await sleep(Math.min(response.retryAfterMs, 60_000), true, { signal }).catch(
        () => false,
      );
      if (!waited) return null;
    }
  }

  async #record(batch: BatchRow, line: BatchLine, requestId: string, response: BatchResponse): Promise<void> {
    const { db, keyring } = this.#options;
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const text = JSON.stringify({
      id: `batch_req_${publicToken(24)}`,
      custom_id: line.customId,
      response: { status_code: response.statusCode, request_id: requestId, body: response.body },
      error: null,
    });
    const inserted = await db
      .insertInto("batch_results")
      .values({
        batch_id: batch.id,
        line: line.index,
        organization_id: batch.organization_id,
        ok,
        content: await keyring.seal(batch.organization_id, resultPlace(batch.id, line.index), text),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning("line")
      .executeTakeFirst();
    if (!inserted) return;
    await db
      .updateTable("batches")
      .set(ok ? { completed: sql<number>`completed + 1` } : { failed: sql<number>`failed + 1` })
      .where("id", "=", batch.id)
      .execute();
  }
}
