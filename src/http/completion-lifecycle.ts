// The steps every /v1 model call shares around the model work: ask the request policies first (they
// may refuse, or add headers), and tell the observers afterwards, never letting an observer fail the call.
import type { FastifyReply, FastifyRequest } from "fastify";
import type {
  AdmissionRequest,
  Caller,
  CompletionObserver,
  CompletionRecord,
  RequestPolicy,
} from "../inference/completion-hooks.ts";
import type { ChatRequest } from "../inference/language-model.ts";

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

export type Outcome = Pick<CompletionRecord, "output" | "usage" | "status">;

export interface ModelCall {
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  startedAt: Date;
  /** Tell the observers how the call ended; a call cut short by the client is "cancelled". */
  report(outcome: Outcome): void;
}

/**
 * Begin one model call of a /v1 route: admit it through the policies (which may refuse, or add
 * headers), stop the model work if the client goes away, and return how to report its outcome.
 */
export async function beginModelCall(
  request: FastifyRequest,
  reply: FastifyReply,
  hooks: { policies: readonly RequestPolicy[]; observers: readonly CompletionObserver[] },
  call: { model: string; endpoint: string; request: ChatRequest; store: boolean },
): Promise<ModelCall> {
  const caller: Caller = request.principal!;
  await admit(
    hooks.policies,
    { caller, model: call.model, endpoint: call.endpoint, request: call.request },
    reply,
  );
  const controller = abortOnClientGone(reply);
  const startedAt = new Date();
  return {
    signal: controller.signal,
    startedAt,
    report(outcome) {
      notifyObservers(hooks.observers, {
        requestId: request.id,
        caller,
        model: call.model,
        endpoint: call.endpoint,
        request: call.request,
        store: call.store,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        ...outcome,
        status: controller.signal.aborted ? "cancelled" : outcome.status,
      });
    },
  };
}
