// The security module: security events paged to a signed webhook, raised from the audit log and from
// scheduled and on-demand verification of the audit chain (SEC-4).
import { createSecurityModule } from "../../notify/security-module.ts";
import { securityOperations } from "../../notify/security-operations.ts";
import { defineModule } from "../module.ts";

export const securityModule = defineModule({
  name: "security",
  needs: {},
  migrations: ["0630-privacy-oversight"],
  operations: securityOperations,
  async create({ config, db, audit, logger }) {
    const security = await createSecurityModule({ db, audit, logger, webhook: config.securityWebhook });
    return { exports: security, close: () => security.close() };
  },
});
