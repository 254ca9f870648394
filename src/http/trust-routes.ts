// GET /api/trust: the public trust report (PLAT-2) (commitments, their proofs, live settings), readable without
// signing in. Building it verifies the audit chain, so it is cached for a minute.
import type { FastifyPluginAsync } from "fastify";

export interface TrustRoutesDependencies {
  trustReport: () => Promise<unknown>;
}

const cacheMs = 60_000;

export function trustRoutes(dependencies: TrustRoutesDependencies): FastifyPluginAsync {
  let cached: { report: Promise<unknown>; until: number } | null = null;
  return async (app) => {
    app.get("/api/trust", async () => {
      if (!cached || cached.until < Date.now()) {
        const report = dependencies.trustReport();
        cached = { report, until: Date.now() + cacheMs };
        // A failed build must not be served for a minute.
        report.catch(() => (cached = null));
      }
      return cached.report;
    });
  };
}
