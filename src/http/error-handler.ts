// Renders every error in OpenAI's shape. Known errors show their own safe message; anything else
// becomes a generic 500 naming the request id, and only the error's class reaches the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CustodianError, errors, type ErrorType } from "../core/errors.ts";

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export function errorBody(
  message: string,
  type: ErrorType,
  code: string | null,
  param: string | null = null,
): ErrorBody {
  return { error: { message, type, param, code } };
}

/** "/messages/0/role" -> "messages[0].role" */
function paramFromPath(instancePath: string, missing?: unknown): string | null {
  const parts = instancePath.split("/").filter(Boolean);
  if (typeof missing === "string") parts.push(missing);
  if (parts.length === 0) return null;
  return parts.reduce(
    (joined, part) => (/^\d+$/.test(part) ? `${joined}[${part}]` : joined ? `${joined}.${part}` : part),
    "",
  );
}

/** Socket errors and PostgreSQL's own codes that mean the server went away (57P01-57P03: shut down, crashed, starting). */
const lostConnectionCodes = new Set(["ECONNREFUSED", "ECONNRESET", "57P01", "57P02", "57P03"]);
/** node-postgres's own wording for a connection that died or could not be made in time. */
const lostConnectionMessage =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * Whether an error means the database could not be reached (down, restarting, network cut), as
 * opposed to a failed query: those are retryable 503s, everything else stays a 500.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && lostConnectionCodes.has(code)) return true;
    if (lostConnectionMessage.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (!(error instanceof CustodianError) && isDatabaseUnreachable(error)) {
    return toErrorResponse(errors.databaseUnavailable(), requestId);
  }
  if (error instanceof CustodianError) {
    return { status: error.status, body: errorBody(error.message, error.type, error.code, error.param) };
  }
  const fastifyError = error as Partial<FastifyError> & {
    validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>;
  };
  if (fastifyError.validation && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0]!;
    const param = paramFromPath(first.instancePath, first.params?.missingProperty);
    const message = first.params?.missingProperty
      ? `Missing required parameter: '${param}'.`
      : `Invalid value for '${param ?? "body"}': ${first.message ?? "not allowed"}.`;
    return {
      status: 400,
      body: errorBody(
        message,
        "invalid_request_error",
        first.params?.missingProperty ? "missing_required_parameter" : "invalid_value",
        param,
      ),
    };
  }
  const status = fastifyError.statusCode;
  if (status === 413) {
    return {
      status,
      body: errorBody("The request body is too large.", "invalid_request_error", "request_too_large"),
    };
  }
  if (status === 415) {
    return {
      status,
      body: errorBody(
        "Send the request body as application/json.",
        "invalid_request_error",
        "unsupported_media_type",
      ),
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx (unparseable JSON, empty body): safe, fixed wording chosen here.
    return {
      status: 400,
      body: errorBody(
        "We could not parse the JSON body of your request.",
        "invalid_request_error",
        "invalid_json",
      ),
    };
  }
  return {
    status: 500,
    body: errorBody(
      `The server had an error while processing your request (request id ${requestId}).`,
      "server_error",
      "internal_error",
    ),
  };
}

/** What of an unknown error may be logged: its class and code and where it came from, never its message. */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = (error.stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at "));
  return { type: error.name, code: (error as { code?: unknown }).code, stack: frames.slice(0, 8).join("\n") };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error, request.id);
    if (status >= 500) request.log.error({ failure: loggableError(error), status }, "request failed");
    if (error instanceof CustodianError) void reply.headers(error.headers);
    else if (status === 503) void reply.headers(errors.databaseUnavailable().headers);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(
        errorBody(
          `Unknown request URL: ${request.method} ${request.url.split("?")[0]}.`,
          "invalid_request_error",
          "unknown_url",
        ),
      );
  });
}
