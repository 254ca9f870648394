// The local admin endpoint: a Unix socket in the data directory (mode 0600) plus a token file, so the
// CLI can work on the data directory while the server holds the embedded database. It offers the
// platform's operations table: POST /admin/<operation> with the operation's input as JSON.
import { timingSafeEqual } from "node:crypto";
import fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { errors } from "../core/errors.ts";
import { runOperation, type OperationCaller, type OperationTable } from "../core/operation.ts";
import { installErrorHandling } from "./error-handler.ts";

export async function buildAdminApp(options: {
  token: string;
  /** The operations offered, the services they run against, and who the audit log names. */
  operations: OperationTable;
  services: unknown;
  caller: OperationCaller;
  logger: Logger;
}): Promise<FastifyInstance> {
  const { operations, services, caller } = options;
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
      const name = request.params.operation;
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (!operation) throw errors.notFound("admin operation", name);
      return { result: await runOperation(operation, services, request.body ?? {}, caller) };
    },
  );
  return app;
}
