// The usage meter: a CompletionObserver that queues who used how many tokens of which model (never
// what was said) and writes them in batches, off the request path, exactly once per request id. The
// workspace's chat answers are metered here too, with the member's user id.
import type { Logger } from "pino";
import { batchInsert } from "../db/batch-insert.ts";
import type { Db } from "../db/database.ts";
import type { CompletionObserver, CompletionRecord } from "../inference/completion-hooks.ts";
import type { Usage } from "../inference/language-model.ts";
import { noBudgetSubjects, type BudgetSubjectLookup } from "./budget-subjects.ts";
import type { CreditedCounter, TokenCredit, WindowCounters } from "./usage-counters.ts";
import type { UsageEventsTable } from "./usage-tables.ts";

export interface UsageRecorderOptions {
  /** Records written per statement; reaching it also starts a flush at once. */
  batchSize?: number;
  flushEveryMs?: number;
  /** Records held in memory at most; beyond it new ones are dropped and counted (the database is down). */
  maxQueue?: number;
}

type UsageEvent = Omit<UsageEventsTable, "recorded_at">;

/** One chat answer in the workspace: metered like a /v1 call, with the workspace standing as project. */
export interface WorkspaceUsageRecord {
  requestId: string;
  organizationId: string;
  workspaceId: string;
  userId: string;
  model: string;
  usage: Usage | null;
  status: CompletionRecord["status"];
  startedAt: Date;
}

/** The columns of each event, in one order, so the batch statement's text is built once (db/batch-insert.ts). */
const eventColumns = [
  "request_id",
  "organization_id",
  "project_id",
  "api_key_id",
  "user_id",
  "model",
  "endpoint",
  "status",
  "input_tokens",
  "output_tokens",
  "input_cached_tokens",
  "started_at",
] as const satisfies ReadonlyArray<keyof UsageEvent>;
type CreditedEvent = Pick<
  UsageEvent,
  "organization_id" | "project_id" | "api_key_id" | "user_id" | "endpoint" | "input_tokens" | "output_tokens"
>;
/** Only rows inserted now come back, so a batch written twice (a retry after a lost acknowledgement) counts once. */
const insertedOnly =
  'on conflict ("request_id") do nothing returning "organization_id", "project_id", "api_key_id", ' +
  '"user_id", "endpoint", "input_tokens", "output_tokens"';

/** Metered workspace answers carry this endpoint, so reports can tell them from /v1 calls. */
export const workspaceEndpoint = "workspace.chat";

/** Batches of credits kept for a counter store that is away (Redis), before the oldest are dropped. */
const maxUncredited = 1_000;

/** How often old counter windows are deleted, by whichever node flushes. */
const pruneEveryMs = 10 * 60_000;

function tokens(usage: Usage | null) {
  const details = usage?.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  const count = (value: unknown) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : 0;
  return {
    input_tokens: count(usage?.prompt_tokens),
    output_tokens: count(usage?.completion_tokens),
    input_cached_tokens: count(details?.cached_tokens),
  };
}

function toEvent(record: CompletionRecord): UsageEvent | null {
  // A failure that never reached the model used nothing; a cancelled stream may have.
  if (record.status === "failed" && !record.usage) return null;
  return {
    request_id: record.requestId,
    organization_id: record.caller.organizationId,
    project_id: record.caller.projectId,
    api_key_id: record.caller.keyId,
    // A personal key's user is looked up when the batch is written, off the request path.
    user_id: null,
    model: record.model,
    endpoint: record.endpoint,
    status: record.status,
    ...tokens(record.usage),
    started_at: record.startedAt,
  };
}

function workspaceEvent(record: WorkspaceUsageRecord): UsageEvent | null {
  if (record.status === "failed" && !record.usage) return null;
  return {
    request_id: record.requestId,
    organization_id: record.organizationId,
    project_id: record.workspaceId,
    api_key_id: null,
    user_id: record.userId,
    model: record.model,
    endpoint: workspaceEndpoint,
    status: record.status,
    ...tokens(record.usage),
    started_at: record.startedAt,
  };
}

export class UsageRecorder implements CompletionObserver {
  readonly #db: Db;
  readonly #counters: WindowCounters;
  readonly #people: BudgetSubjectLookup;
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
  /** Credits for events already written that a store outside the database did not take; retried. */
  #uncredited: Array<{ credits: TokenCredit[]; organizations: Map<string, string> }> = [];

  constructor(
    dependencies: {
      db: Db;
      /** Where rate-limit and budget windows are counted. */
      counters: WindowCounters;
      /** Personal keys' users and users' groups, so their budgets are credited. */
      people?: BudgetSubjectLookup;
      logger: Logger;
      /** Told after each committed batch which counters moved (and each subject's organisation). */
      onCredited?: (counters: CreditedCounter[], organizations: Map<string, string>) => void;
    },
    options: UsageRecorderOptions = {},
  ) {
    this.#db = dependencies.db;
    this.#counters = dependencies.counters;
    this.#people = dependencies.people ?? noBudgetSubjects;
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
    this.#enqueue(toEvent(record));
  }

  /** Meter one workspace chat answer (must not throw or block, like `completed`). */
  workspaceCompleted(record: WorkspaceUsageRecord): void {
    this.#enqueue(workspaceEvent(record));
  }

  #enqueue(event: UsageEvent | null): void {
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
    await this.#retryUncredited();
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#batchSize);
      let credited: CreditedCounter[];
      let credits: TokenCredit[] = [];
      const organizations = new Map<string, string>();
      try {
        const groups = await this.#resolvePeople(batch);
        credited = await this.#db.transaction().execute(async (transaction) => {
          // Only rows inserted now are credited to the counters, so a batch written twice (a retry after
          // a lost commit acknowledgement) counts once.
          const inserted = await batchInsert<CreditedEvent>(
            transaction,
            "usage_events",
            eventColumns,
            batch,
            insertedOnly,
          );
          const totals = new Map<string, number>();
          for (const row of inserted) {
            const used = Number(row.input_tokens) + Number(row.output_tokens);
            // A workspace's "project" is the workspace: it has no project limits to credit.
            const subjects = row.endpoint === workspaceEndpoint ? [] : [`project:${row.project_id}`];
            if (row.api_key_id) subjects.push(`key:${row.api_key_id}`);
            if (row.user_id) {
              subjects.push(`user:${row.user_id}`);
              for (const group of groups.get(`${row.organization_id}/${row.user_id}`) ?? [])
                subjects.push(`group:${group}`);
            }
            for (const subject of subjects) {
              totals.set(subject, (totals.get(subject) ?? 0) + used);
              organizations.set(subject, row.organization_id);
            }
          }
          // In one order on every node, so concurrent flushes lock the same counter rows in the same order.
          credits = [...totals]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([subject, total]) => ({ subject, tokens: total }));
          return this.#counters.transactional ? this.#counters.creditTokens(credits, transaction) : [];
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
      if (!this.#counters.transactional) {
        // The events are committed; a store outside the database is credited now (at most once).
        try {
          credited = await this.#counters.creditTokens(credits);
        } catch {
          this.#uncredited.push({ credits, organizations });
          // Bounded like the queue: a long outage loses the oldest credits (the events stay recorded).
          if (this.#uncredited.length > maxUncredited) this.#uncredited.shift();
          this.#logger.error({ pending: this.#uncredited.length }, "usage counters not credited; will retry");
          continue;
        }
      }
      this.#notify(credited, organizations);
    }
    if (Date.now() - this.#prunedAt > pruneEveryMs) {
      this.#prunedAt = Date.now();
      await this.#counters.prune().catch(() => undefined);
    }
  }

  #notify(credited: CreditedCounter[], organizations: Map<string, string>): void {
    try {
      this.#onCredited(credited, organizations);
    } catch {
      // Alerts report their own failures; metering goes on.
    }
  }

  /** Credit what an unreachable counter store missed, oldest first; stop at the first failure. */
  async #retryUncredited(): Promise<void> {
    while (this.#uncredited.length > 0) {
      const [first] = this.#uncredited;
      let credited: CreditedCounter[];
      try {
        credited = await this.#counters.creditTokens(first!.credits);
      } catch {
        return;
      }
      this.#uncredited.shift();
      this.#notify(credited, first!.organizations);
    }
  }

  /**
   * Fill in the user of each personal key's event, and return each user's groups (keyed
   * "<organisation>/<user>"), before the batch's transaction: the lookups are queries of their own.
   */
  async #resolvePeople(batch: UsageEvent[]): Promise<Map<string, string[]>> {
    const groups = new Map<string, string[]>();
    for (const event of batch) {
      if (event.user_id === null && event.api_key_id !== null)
        event.user_id = await this.#people.keyOwner(event.organization_id, event.api_key_id);
      if (event.user_id === null) continue;
      const key = `${event.organization_id}/${event.user_id}`;
      if (!groups.has(key))
        groups.set(key, await this.#people.groupsOf(event.organization_id, event.user_id));
    }
    return groups;
  }
}
