// GET /v1/organization/usage/completions: the calling API key's organisation's usage, in OpenAI's shape.
// Registered inside the /v1 plugin, so the API key check there has run and set `request.principal`.
import type { FastifyInstance } from "fastify";
import { errors } from "../core/errors.ts";
import { parseCompletionsUsageQuery, type UsageReports } from "../usage/usage-reports.ts";

export function usageRoutes(reports: UsageReports) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get("/organization/usage/completions", async (request) => {
      const principal = request.principal;
      if (!principal) throw errors.missingApiKey();
      const query = parseCompletionsUsageQuery(request.query as Record<string, unknown>);
      return reports.completions(principal.organizationId, query);
    });
  };
}
