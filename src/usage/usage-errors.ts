// The usage domain's errors: a 429 in OpenAI's shape that carries its retry and rate-limit headers, and
// a 503 when the store that holds the limits' counters cannot be reached.
import { CustodianError } from "../core/errors.ts";

export const usageErrors = {
  /** A per-minute request or token limit is used up. */
  rateLimited: (message: string, headers: Record<string, string>) =>
    new CustodianError(message, {
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      retryable: true,
      headers,
    }),
  /** A daily or monthly token budget is used up. */
  budgetExhausted: (message: string, headers: Record<string, string>) =>
    new CustodianError(message, {
      status: 429,
      type: "rate_limit_error",
      code: "token_budget_exceeded",
      retryable: true,
      headers,
    }),
  /**
   * The limit counters' store (Redis) cannot be reached: the request is refused rather than admitted
   * unchecked, since a limit that silently stops holding is no limit.
   */
  counterStoreUnavailable: (cause?: unknown) =>
    new CustodianError(
      "The rate-limit store is unavailable, so limits cannot be checked. Please try again shortly.",
      { status: 503, type: "server_error", code: "rate_limit_store_unavailable", retryable: true },
      { cause },
    ),
} as const;
