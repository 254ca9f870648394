// The steps every /v1 model call shares around the model work: ask the request policies first (they
// may refuse, or add headers), and tell the observers afterwards, never letting an observer fail the call.
import type { FastifyReply } from "fastify";
import type {
  AdmissionRequest,
  CompletionObserver,
  CompletionRecord,
  RequestPolicy,
} from "../inference/completion-hooks.ts";

export async function admit(
  policies: readonly RequestPolicy[],
  admission: AdmissionRequest,
  reply: FastifyReply,
): Promise<void> {
  for (const policy of policies) {
    const result = await policy.admit(admission);
    if (result?.headers) void reply.headers(result.headers);
  }
}

export function notifyObservers(observers: readonly CompletionObserver[], record: CompletionRecord): void {
  for (const observer of observers) {
    try {
      observer.completed(record);
    } catch {
      // An observer's failure must never reach the client; observers log their own problems.
    }
  }
}

/** An AbortController aborted when the client goes away before the response is finished. */
export function abortOnClientGone(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}
