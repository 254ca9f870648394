// The usage module: metering, rate limits and token budgets (counted in PostgreSQL, or Redis when
// configured), budget alerts and usage reports.
import { createUsageModule, openRedisCounters } from "../../usage/usage-module.ts";
import { usageOperations } from "../../usage/usage-operations.ts";
import { defineModule } from "../module.ts";
import { identityModule } from "./identity-module.ts";

export const usageModule = defineModule({
  name: "usage",
  needs: { identity: identityModule },
  migrations: ["0400-usage"],
  operations: usageOperations,
  async create({ config, db, audit, logger }, { identity }) {
    // An unreachable Redis fails start-up, naming the setting; the platform then closes what it opened.
    const counters = await openRedisCounters(config.redis, logger);
    const usage = createUsageModule({
      db,
      audit,
      logger,
      budgetWebhook: config.budgetWebhook,
      counters,
      // User and group budgets: a personal key's user, and the user's SCIM groups.
      people: {
        keyOwner: (organizationId, keyId) => identity.apiKeys.ownerOf(organizationId, keyId),
        groupsOf: (organizationId, userId) => identity.scimGroups.groupsOf(organizationId, userId),
      },
    });
    return {
      exports: usage,
      policies: [usage.policy],
      observers: [usage.recorder],
      close: () => usage.close(),
    };
  },
});
