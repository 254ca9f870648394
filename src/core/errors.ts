// The error catalogue: every error the platform means to show a caller carries its status and codes here.

/** OpenAI's error `type` values, which every API surface of Custodian reuses. */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error";

export interface ErrorFacts {
  status: number;
  type: ErrorType;
  code: string;
  param?: string | null;
  retryable?: boolean;
  /** Response headers that belong with the error, such as `retry-after` and `x-ratelimit-*` on a 429. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * An error whose message is safe to show to the caller. Messages must never quote business
 * content (prompts, completions, file contents): they name settings, parameters and ids only.
 */
export class CustodianError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(message: string, facts: ErrorFacts, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CustodianError";
    this.status = facts.status;
    this.type = facts.type;
    this.code = facts.code;
    this.param = facts.param ?? null;
    this.retryable = facts.retryable ?? false;
    this.headers = facts.headers ?? {};
  }
}

export const errors = {
  invalidRequest: (message: string, param: string | null = null, code = "invalid_request") =>
    new CustodianError(message, { status: 400, type: "invalid_request_error", code, param }),
  invalidApiKey: () =>
    new CustodianError("Incorrect API key provided.", {
      status: 401,
      type: "authentication_error",
      code: "invalid_api_key",
    }),
  missingApiKey: () =>
    new CustodianError("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", {
      status: 401,
      type: "authentication_error",
      code: "missing_api_key",
    }),
  forbidden: (message: string, code = "permission_denied") =>
    new CustodianError(message, { status: 403, type: "permission_error", code }),
  modelNotFound: (model: string) =>
    new CustodianError(`The model '${model}' does not exist or you do not have access to it.`, {
      status: 404,
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    }),
  modelNotReady: (model: string) =>
    new CustodianError(`The model '${model}' is still being prepared; try again in a minute.`, {
      status: 503,
      type: "server_error",
      code: "model_not_ready",
      param: "model",
    }),
  notFound: (what: string, id: string) =>
    new CustodianError(`No ${what} with id '${id}'.`, {
      status: 404,
      type: "invalid_request_error",
      code: "not_found",
    }),
  rateLimited: (message: string) =>
    new CustodianError(message, {
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      retryable: true,
    }),
  upstream: (status: number, message: string, code = "upstream_error") =>
    new CustodianError(message, {
      status,
      type: status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error",
      code,
      retryable: status === 429 || status >= 500,
    }),
  upstreamTimeout: (name: string) =>
    new CustodianError(`The model server '${name}' did not answer in time.`, {
      status: 504,
      type: "server_error",
      code: "upstream_timeout",
      retryable: true,
    }),
  modelBusy: (model: string, retryAfterSeconds: number) =>
    new CustodianError(
      `The model '${model}' is busy: too many requests are waiting for it. Retry after ${retryAfterSeconds} s.`,
      {
        status: 429,
        type: "rate_limit_error",
        code: "model_overloaded",
        retryable: true,
        headers: { "retry-after": String(retryAfterSeconds) },
      },
    ),
  modelUnavailable: (model: string) =>
    new CustodianError(`The model '${model}' could not be loaded; the server log names the reason.`, {
      status: 503,
      type: "server_error",
      code: "model_load_failed",
      retryable: false,
    }),
  unsupportedEndpoint: (model: string, endpoint: string) =>
    new CustodianError(`The model '${model}' does not support ${endpoint}.`, {
      status: 400,
      type: "invalid_request_error",
      code: "model_not_supported",
      param: "model",
    }),
  upstreamUnreachable: (name: string) =>
    new CustodianError(`The model server '${name}' could not be reached.`, {
      status: 502,
      type: "server_error",
      code: "upstream_unreachable",
      retryable: true,
    }),
  upstreamTls: (name: string) =>
    new CustodianError(
      `The model server '${name}' presented a certificate that could not be verified; configure its CA with 'caFile'.`,
      { status: 502, type: "server_error", code: "upstream_tls_error", retryable: false },
    ),
  databaseUnavailable: () =>
    new CustodianError("The database is unavailable; retry shortly.", {
      status: 503,
      type: "server_error",
      code: "database_unavailable",
      retryable: true,
      headers: { "retry-after": "1" },
    }),
} as const;
