// Operations endpoints: /healthz (the process answers), /readyz (its dependencies answer, and it is not
// shutting down) and /metrics (Prometheus; with the metrics token, from every client, loopback
// included, unless the operator explicitly serves loopback clients without one).
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { errors } from "../core/errors.ts";
import type { Metrics } from "./metrics.ts";

export interface HealthDependencies {
  /** Each named check resolves when that dependency answers and rejects when it does not. */
  readinessChecks: Record<string, () => Promise<unknown>>;
  /** True once shutdown began: load balancers should stop sending new requests. */
  draining: () => boolean;
  metrics: Metrics;
  metricsToken: string | null;
  /** CUSTODIAN_METRICS_WITHOUT_TOKEN: with no token set, serve loopback clients without one. */
  metricsWithoutToken?: boolean;
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

export function healthRoutes(dependencies: HealthDependencies) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get("/healthz", async () => ({ status: "ok" }));

    app.get("/readyz", async (_request, reply) => {
      const checks: Record<string, "ok" | "failing"> = {};
      await Promise.all(
        Object.entries(dependencies.readinessChecks).map(async ([name, check]) => {
          checks[name] = await check().then(
            () => "ok" as const,
            () => "failing" as const,
          );
        }),
      );
      const draining = dependencies.draining();
      const ready = !draining && Object.values(checks).every((state) => state === "ok");
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? "ready" : draining ? "draining" : "not_ready", checks });
    });

    app.get("/metrics", async (request, reply) => {
      const token = dependencies.metricsToken;
      if (token) {
        const given = Buffer.from(request.headers.authorization ?? "");
        const expected = Buffer.from(`Bearer ${token}`);
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          throw errors.invalidApiKey();
      } else if (!dependencies.metricsWithoutToken) {
        // Behind a reverse proxy on the same host every client is "loopback": no token, no metrics.
        throw errors.forbidden(
          "Metrics need CUSTODIAN_METRICS_TOKEN, or CUSTODIAN_METRICS_WITHOUT_TOKEN=true for loopback clients.",
          "metrics_token_required",
        );
      } else if (!isLoopback(request.socket.remoteAddress ?? "")) {
        throw errors.forbidden("Metrics without a token are served to loopback clients only.");
      }
      return reply
        .type(dependencies.metrics.registry.contentType)
        .send(await dependencies.metrics.registry.metrics());
    });
  };
}
