// The steps every /v1 model call shares around the model work, for a route: ask the request policies
// first (they may refuse, or add headers to the reply), stop the model work if the client goes away, and
// tell the observers afterwards. The steps themselves live in inference/model-call.ts, which the batch
// worker calls too.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AdmissionRequest, Caller, RequestPolicy } from "../inference/completion-hooks.ts";
import type { ChatRequest } from "../inference/language-model.ts";
import {
  startModelCall,
  type CallContext,
  type CallHooks,
  type StartedCall,
} from "../inference/model-call.ts";

export { notifyObservers, type Outcome } from "../inference/model-call.ts";

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

/** An AbortController aborted when the client goes away before the response is finished. */
export function abortOnClientGone(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

export type ModelCall = StartedCall;

/** The call context of a live request: its key, its id, its client's abort, its reply's headers. */
export function requestContext(request: FastifyRequest, reply: FastifyReply): CallContext {
  const caller: Caller = request.principal!;
  return {
    caller,
    requestId: request.id,
    signal: abortOnClientGone(reply).signal,
    headers: (headers) => void reply.headers(headers),
  };
}

/**
 * Begin one model call of a /v1 route: admit it through the policies (which may refuse, or add
 * headers), stop the model work if the client goes away, and return how to report its outcome.
 */
export async function beginModelCall(
  request: FastifyRequest,
  reply: FastifyReply,
  hooks: CallHooks,
  call: { model: string; endpoint: string; request: ChatRequest; store: boolean },
): Promise<ModelCall> {
  return startModelCall(hooks, requestContext(request, reply), call);
}
