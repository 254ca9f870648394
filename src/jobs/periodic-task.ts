// A periodic task that runs at most once at a time across every node sharing the database: each run
// holds a PostgreSQL advisory lock (`pg_try_advisory_lock`), and a node that cannot take it skips
// that turn.
//
// Why not pg-boss here: ARCHITECTURE.md names pg-boss as the queue for background work, and it is the
// plan for fine-tuning jobs, which are one-off units of work that must not be lost, carry state,
// retry and report progress. A purge is none of those: it is idempotent ("delete what has expired"),
// so a missed turn is caught by the next, and a run needs no payload. What it needs is that two nodes
// do not purge at once, which one advisory lock per run gives without a queue's tables, polling and
// archive. The lock is a session lock on a connection held for the run, so a crashed node's lock is
// released with its connection.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import type { Logger } from "pino";
import { Counter } from "prom-client";
import { isEmbedded, type Db } from "../db/database.ts";

/**
 * Failed turns of every periodic task, by task name (registered on the server's /metrics). A turn
 * counts once, after its retries.
 */
export const periodicTaskFailures = new Counter({
  name: "custodian_periodic_task_failures_total",
  help: "Turns of a periodic task (a purge, an erasure) that failed after their retries, by task.",
  labelNames: ["task"] as const,
  registers: [],
});

/**
 * What a failed turn reports: the task, how many attempts, the error's name and, for an erasure, the
 * step that failed. Never the message, which may quote a value.
 */
export interface TaskFailure {
  task: string;
  attempts: number;
  error: string;
  step?: string;
}

/**
 * How often a purge runs: `purgeIntervalMs` when set (above 0); otherwise often enough that what was
 * deleted is physically gone well within the deletion window, at least every 15 minutes, and at most
 * every 10 seconds.
 */
export function purgeInterval(settings: {
  purgeIntervalMs?: number | null;
  deletionWindowMs: number;
}): number {
  return settings.purgeIntervalMs || Math.max(10_000, Math.min(settings.deletionWindowMs / 4, 15 * 60_000));
}

/** The first half of every periodic task's lock key, so these locks do not collide with others'. */
const lockClass = 7_342_100;

export interface PeriodicTaskOptions {
  /** Names the lock: every node must use the same name for the same task. */
  name: string;
  intervalMs: number;
  /** Delay before the first run; defaults to the interval, so short-lived processes (the CLI) never run it. */
  firstRunMs?: number;
  db: Db;
  logger: Logger;
  run(): Promise<void>;
  /** Attempts after a failed one within the same turn (default 2), `retryDelayMs` apart, doubling. */
  retries?: number;
  retryDelayMs?: number;
}

/**
 * Names of the tasks running in this process, per database. On PGlite every query shares one
 * session, and a session may take its own advisory lock twice, so the lock alone cannot keep two
 * tasks of one process apart.
 */
const runningHere = new WeakMap<Db, Set<string>>();

function lockKey(name: string): number {
  return createHash("sha256").update(name).digest().readInt32BE(0);
}

export class PeriodicTask {
  readonly #options: PeriodicTaskOptions;
  #timer: NodeJS.Timeout | null = null;
  #current: Promise<boolean> | null = null;
  #stopped = false;
  /** Cuts a retry's wait short when the task stops. */
  readonly #stopping = new AbortController();
  /** Told of every failed turn (the platform raises a security event for a purge's). */
  readonly onFailure: Array<(failure: TaskFailure) => unknown> = [];

  constructor(options: PeriodicTaskOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    const { intervalMs, firstRunMs = intervalMs } = this.#options;
    const tick = () => {
      if (this.#stopped) return;
      void this.runOnce();
      this.#timer = setTimeout(tick, intervalMs);
      this.#timer.unref();
    };
    this.#timer = setTimeout(tick, firstRunMs);
    this.#timer.unref();
  }

  /** Stop the schedule and wait for a run in progress to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#current;
  }

  /**
   * Run now if no other node (or task in this process) is running it. Resolves to whether it ran.
   * A failed attempt is retried; a turn whose attempts all failed is logged, counted and reported
   * to `onFailure`, not thrown: the next turn tries again.
   */
  runOnce(): Promise<boolean> {
    const run = this.#attempts();
    this.#current = run;
    return run;
  }

  async #attempts(): Promise<boolean> {
    const { name, logger, retries = 2, retryDelayMs = 2_000 } = this.#options;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#locked();
      } catch (error: unknown) {
        const step = (error as { step?: unknown } | null)?.step;
        const failure: TaskFailure = {
          task: name,
          attempts: attempt,
          error: error instanceof Error ? error.name : "unknown",
          ...(typeof step === "string" ? { step } : {}),
        };
        if (attempt <= retries && !this.#stopped) {
          logger.warn(failure, "periodic task failed, retrying");
          const waited = await sleep(retryDelayMs * 2 ** (attempt - 1), true, {
            signal: this.#stopping.signal,
          }).catch(() => false);
          if (waited) continue;
        }
        logger.error(failure, "periodic task failed");
        periodicTaskFailures.inc({ task: name });
        for (const listener of this.onFailure) {
          try {
            await listener(failure);
          } catch {
            // A listener that fails must not hide the failure from the others.
          }
        }
        return false;
      }
    }
  }

  async #locked(): Promise<boolean> {
    const { db, name } = this.#options;
    let running = runningHere.get(db);
    if (!running) runningHere.set(db, (running = new Set()));
    if (running.has(name)) return false;
    running.add(name);
    try {
      if (isEmbedded(db)) {
        // One process holds the embedded database, and its one session is the only connection:
        // holding it for a lock would leave the task's own queries waiting for ever.
        await this.#options.run();
        return true;
      }
      const key = lockKey(name);
      // One connection for the lock, the unlock and nothing else: the task's own queries use the pool.
      return await db.connection().execute(async (connection) => {
        const result = await sql<{ locked: boolean }>`
          select pg_try_advisory_lock(${lockClass}, ${key}) as locked`.execute(connection);
        if (result.rows[0]?.locked !== true) return false;
        try {
          await this.#options.run();
        } finally {
          await sql`select pg_advisory_unlock(${lockClass}, ${key})`.execute(connection);
        }
        return true;
      });
    } finally {
      running.delete(name);
    }
  }
}
