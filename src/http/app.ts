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
import { openAIRoutes, type OpenAIRoutesDependencies } from "./openai-routes.ts";

export interface AppOptions extends OpenAIRoutesDependencies {
  logger: Logger;
  https: { cert: string; key: string } | null;
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

  app.get("/healthz", async () => ({ status: "ok" }));
  await app.register(openAIRoutes(options), { prefix: "/v1" });
  return app;
}
