// The security module: security events paged to a signed webhook, raised from the audit log (its
// checkpoints too) and from scheduled and on-demand verification of the audit log (SEC-4).
import { createSecurityModule } from "../../notify/security-module.ts";
import { auditOperations } from "../../audit/audit-operations.ts";
import { checkpointFailedEvent } from "../../notify/security-event-monitor.ts";
import { securityOperations } from "../../notify/security-operations.ts";
import { defineModule } from "../module.ts";

export const securityModule = defineModule({
  name: "security",
  needs: {},
  migrations: ["0630-privacy-oversight"],
  // Verifying the log, and exporting and proving it (the audit log is part of the foundation).
  operations: { ...securityOperations, ...auditOperations },
  async create({ config, db, audit, logger, gathered }) {
    const security = await createSecurityModule({ db, audit, logger, webhook: config.securityWebhook });
    // A checkpoint that cannot be signed or published pages (SEC-4); the audit log offers this hook
    // because it is built before any module.
    audit.onCheckpointFailure.push((failure) => security.events.raise(checkpointFailedEvent(failure)));
    // A purge or erasure that failed after its retries pages too (OWN-4, API-1): the modules that own
    // those tasks come earlier in the list, so their tasks are gathered by now.
    for (const task of gathered.tasks) {
      task.onFailure.push((failure) =>
        security.events.raise({ type: "security.task_failed", data: { ...failure } }),
      );
    }
    return { exports: security, close: () => security.close() };
  },
});
