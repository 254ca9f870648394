// The usage domain's errors: a 429 in OpenAI's shape that carries its retry and rate-limit headers.
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
} as const;
