// The trust page's API (PLAT-2). GET /api/trust: the public trust report (every commitment, its live
// probes' latest results, its proofs in the last test run, the live settings), each probe's description,
// source and remedy, and the history of the last runs; readable without signing in, never content.
// Cached for a few seconds (building it reads the test report). POST /api/trust/verify: "Run checks now",
// the verifyTrust operation, for owners only.
import type { FastifyPluginAsync } from "fastify";
import type { TrustService } from "../trust/trust-service.ts";
import { trustOperations } from "../trust/trust-operations.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { operationRoute } from "./operation-route.ts";

export interface TrustRoutesDependencies {
  trust: TrustService;
  audit: Pick<AuditLog, "append">;
}

const cacheMs = 5_000;
/** Runs the trust page shows. */
const historyLength = 100;

export function trustRoutes(dependencies: TrustRoutesDependencies): FastifyPluginAsync {
  const { trust } = dependencies;
  let cached: { page: Promise<unknown>; until: number; round: number } | null = null;
  const build = async () => ({
    ...(await trust.report()),
    probes: trust.probes.map((probe) => ({
      name: probe.name,
      commitments: probe.commitments,
      description: probe.description,
      source: probe.source,
      remedy: probe.remedy,
    })),
    history: await trust.history(historyLength),
  });
  return async (app) => {
    app.get("/api/trust", async () => {
      // Rebuilt after a few seconds, and at once after a round of this process's probes (one of which
      // reads this page while the round runs).
      if (!cached || cached.until < Date.now() || cached.round !== trust.recorded()) {
        const page = build();
        cached = { page, until: Date.now() + cacheMs, round: trust.recorded() };
        // A failed build must not be served from the cache.
        page.catch(() => (cached = null));
      }
      return cached.page;
    });
    operationRoute(app, trustOperations.verifyTrust, dependencies, {
      method: "POST",
      url: "/api/trust/verify",
      input: () => ({}),
      reply: (result) => {
        cached = null;
        return result;
      },
    });
  };
}
