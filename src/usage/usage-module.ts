// The usage domain put together: metering, limits and budgets, alerts and reports, ready for the
// platform to register as a completion observer, a request policy and a close task, and to meter and
// admit the workspace's chat answers.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { WebhookSender, type WebhookTarget } from "../notify/webhook.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
import { BudgetSubjects, noBudgetSubjects, type BudgetSubjectLookup } from "./budget-subjects.ts";
import { PostgresWindowCounters } from "./postgres-window-counters.ts";
import type { WindowCounters } from "./usage-counters.ts";
import { RateLimitPolicy } from "./rate-limit-policy.ts";
import { UsageLimits } from "./usage-limits.ts";
import { UsageRecorder, type UsageRecorderOptions } from "./usage-recorder.ts";
import { UsageReports } from "./usage-reports.ts";

export interface UsageModule {
  limits: UsageLimits;
  recorder: UsageRecorder;
  policy: RateLimitPolicy;
  alerts: BudgetAlerts;
  reports: UsageReports;
  /** Where the rate-limit and budget windows are counted: PostgreSQL, or Redis when configured. */
  counters: WindowCounters;
  /** Write what is queued and finish the alerts under way. */
  close(): Promise<void>;
}

export function createUsageModule(dependencies: {
  db: Db;
  audit: AuditLog;
  logger: Logger;
  /** Where budget alerts are posted; null sends none (the audit events are still written). */
  budgetWebhook: WebhookTarget | null;
  recorder?: UsageRecorderOptions;
  /** The window counters' store; the database itself unless given (see `openRedisCounters`). */
  counters?: WindowCounters | null;
  /** Personal keys' users and users' groups, for user and group budgets. */
  people?: BudgetSubjectLookup;
}): UsageModule {
  const { db, audit, logger } = dependencies;
  const counters = dependencies.counters ?? new PostgresWindowCounters(db);
  const people = new BudgetSubjects(dependencies.people ?? noBudgetSubjects);
  const limits = new UsageLimits({ db, audit });
  const webhook = dependencies.budgetWebhook
    ? new WebhookSender(dependencies.budgetWebhook, {
        onFailure: (facts) => logger.error(facts, "budget webhook not delivered"),
      })
    : null;
  const alerts = new BudgetAlerts({ limits, audit, webhook, logger });
  const recorder = new UsageRecorder(
    {
      db,
      counters,
      people,
      logger,
      onCredited: (counters, organizations) => alerts.credited(counters, organizations),
    },
    dependencies.recorder,
  );
  return {
    limits,
    recorder,
    policy: new RateLimitPolicy({ counters, limits, people }),
    alerts,
    reports: new UsageReports({ db }),
    counters,
    async close() {
      await recorder.close();
      await alerts.settled();
      await webhook?.close();
      await counters.close();
    },
  };
}

/**
 * The Redis counters when CUSTODIAN_REDIS_URL is set (start-up fails, naming the setting, when Redis
 * cannot be reached), otherwise null: the platform's database counts. Called before the database opens,
 * so a failed start leaves nothing open.
 */
export async function openRedisCounters(
  redis: { url: string; keyPrefix: string } | null,
  logger: Logger,
): Promise<WindowCounters | null> {
  if (!redis) return null;
  // Loaded only when configured: most installations never need the Redis client.
  const { RedisWindowCounters } = await import("./redis-window-counters.ts");
  return RedisWindowCounters.connect({ ...redis, logger });
}
