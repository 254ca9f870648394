// The usage domain put together: metering, limits and budgets, alerts and reports, ready for the
// platform to register as a completion observer, a request policy and a close task.
import type { Logger } from "pino";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { WebhookSender, type WebhookTarget } from "../notify/webhook.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
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
}): UsageModule {
  const { db, audit, logger } = dependencies;
  const limits = new UsageLimits({ db, audit });
  const webhook = dependencies.budgetWebhook
    ? new WebhookSender(dependencies.budgetWebhook, {
        onFailure: (facts) => logger.error(facts, "budget webhook not delivered"),
      })
    : null;
  const alerts = new BudgetAlerts({ limits, audit, webhook, logger });
  const recorder = new UsageRecorder(
    { db, logger, onCredited: (counters, organizations) => alerts.credited(counters, organizations) },
    dependencies.recorder,
  );
  return {
    limits,
    recorder,
    policy: new RateLimitPolicy({ db, limits }),
    alerts,
    reports: new UsageReports({ db }),
    async close() {
      await recorder.close();
      await alerts.settled();
      await webhook?.close();
    },
  };
}
