// A failed answer in plain words: what happened and what the user can do about it.
import { ApiError } from "../api.ts";

export interface ChatFailure {
  message: string;
  /** The question was never saved: it is shown as not sent, and its text is back in the composer. */
  unsent: boolean;
}

export function describeChatFailure(failure: unknown, unsent: boolean): ChatFailure {
  if (failure instanceof ApiError) {
    const detail = failure.message ? ` (${failure.message})` : "";
    if (failure.status === 429)
      return {
        unsent,
        message: `You have reached a usage limit or the model is busy. Try again later.${detail}`,
      };
    if (failure.status === 404 && failure.code === "model_not_found")
      return {
        unsent,
        message: `This model is not available any more. Choose another model, then retry.${detail}`,
      };
    if (failure.status === 403) return { unsent, message: `You may not use this model or feature.${detail}` };
    if (failure.status >= 500) return { unsent, message: `The model could not answer right now.${detail}` };
    return { unsent, message: failure.message || "The request was refused." };
  }
  if (failure instanceof TypeError)
    return { unsent, message: "Custodian could not be reached. Check your connection, then retry." };
  return { unsent, message: "Something went wrong. Retry, or try again later." };
}

/** An error event inside a stream, in the API's shape. */
export function streamError(event: Record<string, unknown>): ApiError | null {
  const error = event.error as { message?: string; code?: string; type?: string } | undefined;
  if (!error) return null;
  const status =
    error.code === "model_not_found"
      ? 404
      : error.type === "rate_limit_error" || /rate/i.test(error.code ?? "")
        ? 429
        : 502;
  return new ApiError(status, error.message ?? "The answer failed.", error.code ?? null);
}
