// The public Fastify application: security headers, error shape, health, the /v1 API, then the routes
// the platform's modules contribute (sessions, SSO, SCIM, the workspace, oversight, the admin console)
// and the web app. HTTPS accepts TLS 1.2 or newer only (SEC-2).
import type { Server as HttpsServer } from "node:https";
import fastify, {
  LogController,
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
} from "fastify";
import type { Logger } from "pino";
import { timeOrderedId } from "../core/ids.ts";
import { installErrorHandling } from "./error-handler.ts";
import { installSecurityHeaders } from "./security-headers.ts";
import { installJsonBounds, requestBounds } from "./request-bounds.ts";
import { healthRoutes, type HealthDependencies } from "./health-routes.ts";
import { openAIRoutes, type OpenAIRoutesDependencies } from "./openai-routes.ts";
import { webApp } from "./web-app.ts";
import { installPermissionCheck, type PermissionCheckDependencies } from "./admin-api-permissions.ts";
import { collectRoutes } from "./admin-api-route-table.ts";
import { lazyValidators } from "./lazy-validators.ts";
import { LazyRequestLogger } from "./lazy-request-logger.ts";

export interface AppOptions extends OpenAIRoutesDependencies, HealthDependencies {
  logger: Logger;
  https: { cert: string; key: string } | null;
  /** Checks the permission each /api route declares; cookies are Secure whenever the app serves HTTPS. */
  permissions?: Omit<PermissionCheckDependencies, "secureCookies">;
  /** The modules' routes, mounted in order after /v1 (platform/module.ts). */
  routes?: ReadonlyArray<{ plugin: FastifyPluginAsync; prefix?: string }>;
  /** Reverse proxies whose X-Forwarded-For names the client (`request.ip`); none: the connection's address. */
  trustedProxies?: readonly string[] | null;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions = {
    loggerInstance: options.logger,
    // Per-request log lines would say nothing the metrics do not; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options),
    genReqId: () => timeOrderedId("req"),
    requestIdHeader: false,
    bodyLimit: requestBounds.bodyBytes,
    ...(options.trustedProxies?.length ? { trustProxy: [...options.trustedProxies] } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: lazyValidators() } },
  };
  const app = (options.https
    ? fastify({
        ...serverOptions,
        https: { cert: options.https.cert, key: options.https.key, minVersion: "TLSv1.2" },
      } as FastifyHttpsOptions<HttpsServer>)
    : fastify(serverOptions)) as unknown as FastifyInstance;
  // First, so that every route lands in the table.
  app.decorate("routeTable", collectRoutes(app));

  // An API and a single-page app from the same origin.
  installSecurityHeaders(app, { https: Boolean(options.https) });
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  installErrorHandling(app);
  // Before any route, so every JSON body everywhere meets the nesting bound (request-bounds.ts).
  installJsonBounds(app);
  options.metrics.instrument(app);
  // Before any route, so every route inherits the check of its declared permission.
  if (options.permissions) {
    installPermissionCheck(app, { ...options.permissions, secureCookies: options.https !== null });
  }

  await app.register(healthRoutes(options));
  await app.register(openAIRoutes(options), { prefix: "/v1" });
  for (const { plugin, prefix } of options.routes ?? []) {
    await app.register(plugin, prefix ? { prefix } : {});
  }
  await app.register(webApp);
  return app;
}
