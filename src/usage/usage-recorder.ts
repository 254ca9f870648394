// The usage meter: a CompletionObserver that queues who used how many tokens of which model (never
// what was said) and writes them in batches, off the request path, exactly once per request id.
import type { Logger } from "pino";
import type { Db } from "../db/database.ts";
import type { CompletionObserver, CompletionRecord } from "../inference/completion-hooks.ts";
import { creditTokens, pruneCounters, type CreditedCounter } from "./usage-counters.ts";
import type { UsageEventsTable } from "./usage-tables.ts";

export interface UsageRecorderOptions {
  /** Records written per statement; reaching it also starts a flush at once. */
  batchSize?: number;
  flushEveryMs?: number;
  /** Records held in memory at most; beyond it new ones are dropped and counted (the database is down). */
  maxQueue?: number;
}

type UsageEvent = Omit<UsageEventsTable, "recorded_at">;

/** How often old counter windows are deleted, by whichever node flushes. */
const pruneEveryMs = 10 * 60_000;

function toEvent(record: CompletionRecord): UsageEvent | null {
  // A failure that never reached the model used nothing; a cancelled stream may have.
  if (record.status === "failed" && !record.usage) return null;
  const usage = record.usage;
  const details = usage?.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  const count = (value: unknown) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;
  return {
    request_id: record.requestId,
    organization_id: record.caller.organizationId,
    project_id: record.caller.projectId,
    api_key_id: record.caller.keyId,
    user_id: null,
    model: record.model,
    endpoint: record.endpoint,
    status: record.status,
    input_tokens: count(usage?.prompt_tokens),
    output_tokens: count(usage?.completion_tokens),
    input_cached_tokens: count(details?.cached_tokens),
    started_at: record.startedAt,
  };
}

export class UsageRecorder implements CompletionObserver {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #onCredited: (counters: CreditedCounter[], organizations: Map<string, string>) => void;
  readonly #batchSize: number;
  readonly #maxQueue: number;
  readonly #queue: UsageEvent[] = [];
  readonly #timer: NodeJS.Timeout;
  /** Flushes run one after another; each waits for the one before it. */
  #chain: Promise<void> = Promise.resolve();
  #busy = false;
  #dropped = 0;
  #prunedAt = 0;

  constructor(
    dependencies: {
      db: Db;
      logger: Logger;
      /** Told after each committed batch which counters moved (and each subject's organisation). */
      onCredited?: (counters: CreditedCounter[], organizations: Map<string, string>) => void;
    },
    options: UsageRecorderOptions = {},
  ) {
    this.#db = dependencies.db;
    this.#logger = dependencies.logger;
    this.#onCredited = dependencies.onCredited ?? (() => undefined);
    this.#batchSize = options.batchSize ?? 500;
    this.#maxQueue = options.maxQueue ?? 50_000;
    this.#timer = setInterval(() => {
      if (!this.#busy && this.#queue.length > 0) void this.flush();
    }, options.flushEveryMs ?? 1_000);
    this.#timer.unref();
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  completed(record: CompletionRecord): void {
    const event = toEvent(record);
    if (!event) return;
    if (this.#queue.length >= this.#maxQueue) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length >= this.#batchSize && !this.#busy) void this.flush();
  }

  /**
   * Write everything queued before this call. A flush already under way may have passed records queued
   * since, so this one runs after it rather than sharing it. Failures are logged; the records stay queued.
   */
  flush(): Promise<void> {
    const run = this.#chain.then(async () => {
      this.#busy = true;
      try {
        await this.#drain();
      } finally {
        this.#busy = false;
      }
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Stop the timer and write what is left: every acknowledged request is recorded on a clean shutdown. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (let attempt = 0; attempt < 3 && this.#queue.length > 0; attempt += 1) await this.flush();
    if (this.#queue.length > 0) {
      this.#logger.error({ lost: this.#queue.length }, "usage records could not be written at shutdown");
    }
  }

  async #drain(): Promise<void> {
    if (this.#dropped > 0) {
      this.#logger.error({ dropped: this.#dropped }, "usage queue full: records dropped");
      this.#dropped = 0;
    }
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#batchSize);
      let credited: CreditedCounter[];
      const organizations = new Map<string, string>();
      try {
        credited = await this.#db.transaction().execute(async (transaction) => {
          // Only rows inserted now are credited to the counters, so a batch written twice (a retry after
          // a lost commit acknowledgement) counts once.
          const inserted = await transaction
            .insertInto("usage_events")
            .values(batch)
            .onConflict((conflict) => conflict.column("request_id").doNothing())
            .returning(["organization_id", "project_id", "api_key_id", "input_tokens", "output_tokens"])
            .execute();
          const tokens = new Map<string, number>();
          for (const row of inserted) {
            const used = Number(row.input_tokens) + Number(row.output_tokens);
            const subjects = [`project:${row.project_id}`];
            if (row.api_key_id) subjects.push(`key:${row.api_key_id}`);
            for (const subject of subjects) {
              tokens.set(subject, (tokens.get(subject) ?? 0) + used);
              organizations.set(subject, row.organization_id);
            }
          }
          return creditTokens(
            transaction,
            [...tokens].map(([subject, total]) => ({ subject, tokens: total })),
          );
        });
      } catch (error) {
        // Left in the queue: the next flush tries again, and the insert is idempotent.
        this.#logger.error(
          { failure: error instanceof Error ? error.name : typeof error, pending: this.#queue.length },
          "usage flush failed",
        );
        return;
      }
      this.#queue.splice(0, batch.length);
      try {
        this.#onCredited(credited, organizations);
      } catch {
        // Alerts report their own failures; metering goes on.
      }
    }
    if (Date.now() - this.#prunedAt > pruneEveryMs) {
      this.#prunedAt = Date.now();
      await pruneCounters(this.#db).catch(() => undefined);
    }
  }
}
