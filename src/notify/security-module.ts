// Security paging, wired: the signed webhook sender for security events and the monitor that raises
// them from the audit log and from scheduled chain verification.
import type { Logger } from "pino";
import type { AuditLog, VerifyResult } from "../audit/audit-log.ts";
import type { Db } from "../db/database.ts";
import { chainBrokenEvent, SecurityEventMonitor } from "./security-event-monitor.ts";
import { SecurityEvents } from "./security-events.ts";
import type { WebhookTarget } from "./webhook.ts";

export interface SecurityModule {
  events: SecurityEvents;
  monitor: SecurityEventMonitor;
  /** Check the audit chain; a broken one is raised as a security event (SEC-4), named by `source`. */
  verifyAudit(source: string): Promise<VerifyResult>;
  close(): Promise<void>;
}

export async function createSecurityModule(dependencies: {
  db: Db;
  audit: AuditLog;
  logger: Logger;
  webhook: WebhookTarget | null;
}): Promise<SecurityModule> {
  const { db, audit, logger } = dependencies;
  const events = new SecurityEvents({ target: dependencies.webhook, logger });
  const monitor = new SecurityEventMonitor({ db, audit, events, logger });
  await monitor.start();
  return {
    events,
    monitor,
    async verifyAudit(source) {
      const result = await audit.verify();
      if (!result.ok) await events.raise(chainBrokenEvent(result, source));
      return result;
    },
    async close() {
      await monitor.stop();
      await events.close();
    },
  };
}
