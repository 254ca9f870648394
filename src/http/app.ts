// The public Fastify application: security headers, error shape, health, and the /v1 API.
import type { Server as HttpsServer } from "node:https";
import fastify, {
  LogController,
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyServerOptions,
} from "fastify";
import helmet from "@fastify/helmet";
import type { Logger } from "pino";
import { newId } from "../core/ids.ts";
import { installErrorHandling } from "./error-handler.ts";
import { healthRoutes, type HealthDependencies } from "./health-routes.ts";
import { openAIRoutes, type OpenAIRoutesDependencies } from "./openai-routes.ts";
import { sessionRoutes, type SessionRoutesDependencies } from "./session-routes.ts";
import { ssoRoutes, type SsoRoutesDependencies } from "./sso-routes.ts";
import { trustRoutes, type TrustRoutesDependencies } from "./trust-routes.ts";
import { webApp } from "./web-app.ts";
import { workspaceRoutes, type WorkspaceRoutesDependencies } from "./workspace-routes.ts";

export interface AppOptions extends OpenAIRoutesDependencies, HealthDependencies {
  logger: Logger;
  https: { cert: string; key: string } | null;
  /** Browser sessions and SAML SSO; cookies are Secure whenever the app serves HTTPS. */
  identity?: Omit<SessionRoutesDependencies & SsoRoutesDependencies, "secureCookies">;
  /** The chat workspace's API for signed-in users. */
  workspace?: Omit<WorkspaceRoutesDependencies, "secureCookies">;
  /** The public trust report behind /trust. */
  trust?: TrustRoutesDependencies;
}

/** Request bodies up to 20 MiB: chat requests with images are large, and anything bigger is a mistake. */
const bodyLimit = 20 * 1024 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions = {
    loggerInstance: options.logger,
    // Per-request log lines would say nothing the metrics do not; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newId("req"),
    requestIdHeader: false,
    bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  };
  const app = (options.https
    ? fastify({
        ...serverOptions,
        https: { cert: options.https.cert, key: options.https.key, minVersion: "TLSv1.2" },
      } as FastifyHttpsOptions<HttpsServer>)
    : fastify(serverOptions)) as unknown as FastifyInstance;

  await app.register(helmet, {
    // An API and a single-page app from the same origin; HSTS only makes sense over HTTPS.
    hsts: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
  });
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  installErrorHandling(app);
  options.metrics.instrument(app);

  await app.register(healthRoutes(options));
  await app.register(openAIRoutes(options), { prefix: "/v1" });
  if (options.identity) {
    const secureCookies = options.https !== null;
    await app.register(sessionRoutes({ ...options.identity, secureCookies }));
    await app.register(ssoRoutes({ ...options.identity, secureCookies }));
  }
  if (options.workspace) {
    await app.register(workspaceRoutes({ ...options.workspace, secureCookies: options.https !== null }));
  }
  if (options.trust) await app.register(trustRoutes(options.trust));
  await app.register(webApp);
  return app;
}
