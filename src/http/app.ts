// The public Fastify application: security headers, error shape, health, and the /v1 API.
import type { Server as HttpsServer } from "node:https";
import fastify, {
  LogController,
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyServerOptions,
} from "fastify";
import type { Logger } from "pino";
import { newId } from "../core/ids.ts";
import { installErrorHandling } from "./error-handler.ts";
import { installSecurityHeaders } from "./security-headers.ts";
import { healthRoutes, type HealthDependencies } from "./health-routes.ts";
import { oidcRoutes, type OidcRoutesDependencies } from "./oidc-routes.ts";
import { openAIRoutes, type OpenAIRoutesDependencies } from "./openai-routes.ts";
import { scimRoutes, type ScimRoutesDependencies } from "./scim-routes.ts";
import { sessionRoutes, type SessionRoutesDependencies } from "./session-routes.ts";
import { ssoRoutes, type SsoRoutesDependencies } from "./sso-routes.ts";
import { trustRoutes, type TrustRoutesDependencies } from "./trust-routes.ts";
import { webApp } from "./web-app.ts";
import { workspaceRoutes, type WorkspaceRoutesDependencies } from "./workspace-routes.ts";
import { operatorRoutes, type OperatorRoutesDependencies } from "./operator-routes.ts";
import { reviewRoutes, type ReviewRoutesDependencies } from "./review-routes.ts";
import { transparencyRoutes, type TransparencyRoutesDependencies } from "./transparency-routes.ts";
import { installPermissionCheck, type PermissionCheckDependencies } from "./admin-api-permissions.ts";
import { collectRoutes } from "./admin-api-route-table.ts";
import { adminApiRoutes, type AdminApiDependencies } from "./admin-api-routes.ts";

export interface AppOptions extends OpenAIRoutesDependencies, HealthDependencies {
  logger: Logger;
  https: { cert: string; key: string } | null;
  /** Browser sessions and SAML SSO; cookies are Secure whenever the app serves HTTPS. */
  identity?: Omit<SessionRoutesDependencies & SsoRoutesDependencies, "secureCookies">;
  /** OIDC sign-in and email-domain discovery (/sso/oidc, /api/sso/discover). */
  oidc?: Omit<OidcRoutesDependencies, "secureCookies">;
  /** SCIM 2.0 provisioning under /scim/v2 (its own bearer tokens). */
  scim?: ScimRoutesDependencies;
  /** The chat workspace's API for signed-in users. */
  workspace?: Omit<WorkspaceRoutesDependencies, "secureCookies">;
  /** The public trust report behind /trust. */
  trust?: TrustRoutesDependencies;
  /** Abuse review, access transparency and consent, the organisation export, the operators' API. */
  oversight?: ReviewRoutesDependencies & TransparencyRoutesDependencies & OperatorRoutesDependencies;
  /** Route permissions and the admin console's API (/api/admin). */
  admin?: Omit<AdminApiDependencies & PermissionCheckDependencies, "secureCookies">;
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
  // First, so that every route lands in the table.
  app.decorate("routeTable", collectRoutes(app));

  // An API and a single-page app from the same origin.
  installSecurityHeaders(app, { https: Boolean(options.https) });
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  installErrorHandling(app);
  options.metrics.instrument(app);
  // Before any route, so every route inherits the check of its declared permission.
  if (options.admin) installPermissionCheck(app, { ...options.admin, secureCookies: options.https !== null });

  await app.register(healthRoutes(options));
  await app.register(openAIRoutes(options), { prefix: "/v1" });
  if (options.identity) {
    const secureCookies = options.https !== null;
    await app.register(sessionRoutes({ ...options.identity, secureCookies }));
    await app.register(ssoRoutes({ ...options.identity, secureCookies }));
  }
  if (options.oidc)
    await app.register(oidcRoutes({ ...options.oidc, secureCookies: options.https !== null }));
  if (options.scim) await app.register(scimRoutes(options.scim), { prefix: "/scim/v2" });
  if (options.workspace) {
    await app.register(workspaceRoutes({ ...options.workspace, secureCookies: options.https !== null }));
  }
  if (options.trust) await app.register(trustRoutes(options.trust));
  if (options.oversight) {
    await app.register(reviewRoutes(options.oversight));
    await app.register(transparencyRoutes(options.oversight));
    await app.register(operatorRoutes(options.oversight));
  }
  if (options.admin) await app.register(adminApiRoutes(options.admin));
  await app.register(webApp);
  return app;
}
