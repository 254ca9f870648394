// The local admin endpoint: a Unix socket in the data directory (mode 0600) plus a token file, so the
// CLI can work on the data directory while the server holds the embedded database.
import { timingSafeEqual } from "node:crypto";
import fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { errors } from "../core/errors.ts";
import { installErrorHandling } from "./error-handler.ts";

/** Each operation takes a JSON object of arguments and returns a JSON value. */
export type AdminOperations = Record<string, (input: Record<string, unknown>) => Promise<unknown>>;

export async function buildAdminApp(options: {
  token: string;
  operations: AdminOperations;
  logger: Logger;
}): Promise<FastifyInstance> {
  const app = fastify({
    // `custodian import` sends a whole conversations export (at most 32 MiB) through the socket.
    bodyLimit: 40 * 1024 * 1024,
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  installErrorHandling(app);
  const expected = Buffer.from(`Bearer ${options.token}`);
  app.addHook("onRequest", async (request) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.invalidApiKey();
  });
  app.post<{ Params: { operation: string }; Body: Record<string, unknown> | undefined }>(
    "/admin/:operation",
    async (request) => {
      const operation = Object.hasOwn(options.operations, request.params.operation)
        ? options.operations[request.params.operation]
        : undefined;
      if (!operation) throw errors.notFound("admin operation", request.params.operation);
      return { result: await operation(request.body ?? {}) };
    },
  );
  return app;
}
