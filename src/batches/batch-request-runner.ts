// The seam between the batch worker and the /v1 pipeline: runs one request of a batch as a live request
// of the batch's key would run (the HTTP layer implements it with the routes' own functions).
import type { Caller } from "../inference/completion-hooks.ts";
import type { BatchEndpoint } from "./batch-input.ts";

export interface BatchResponse {
  statusCode: number;
  /** The response body a live request would get: the result, or an OpenAI error object. */
  body: unknown;
  /** For a refusal worth retrying later (a rate limit): how long to wait, in milliseconds. */
  retryAfterMs?: number;
}

export interface BatchRequestRunner {
  run(
    caller: Caller,
    endpoint: BatchEndpoint,
    body: Record<string, unknown>,
    context: { requestId: string; signal: AbortSignal },
  ): Promise<BatchResponse>;
}
