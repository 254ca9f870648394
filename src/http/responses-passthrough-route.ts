// POST /v1/responses streamed, for a model whose upstream has its own Responses API: the request, already
// checked and admitted by responses/response-call.ts (the request policies saw it as a chat request), is
// passed through, the upstream's typed events are rewritten into Custodian's as they come, the observers
// meter it, and the final response is sealed under the API retention. A whole (not streamed) one needs no
// HTTP and is answered by response-call.ts's generateResponse, which the batch worker shares.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Usage } from "../inference/language-model.ts";
import type { StartedResponse } from "../responses/response-call.ts";
import type { Json } from "../responses/response-store.ts";
import { outputText } from "../responses/responses-output.ts";
import { chatUsage, finalEvents } from "../responses/responses-passthrough.ts";
import type { Outcome } from "./completion-lifecycle.ts";
import { writeEventStream } from "./event-stream.ts";

export async function streamPassthroughResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  started: Extract<StartedResponse, { kind: "passthrough" }>,
): Promise<undefined> {
  const { call, model, rewriter, upstreamBody } = started;
  let usage: Usage | null = null;
  let text = "";
  async function* events(): AsyncIterable<Json> {
    for await (const upstream of model.streamRespond(upstreamBody, { signal: call.signal })) {
      const event = rewriter.event(upstream);
      if (finalEvents.has(String(event.type)) && typeof event.response === "object" && event.response) {
        const response = event.response as Json;
        usage = chatUsage(response.usage);
        text = outputText((response.output as Json[] | undefined) ?? []);
        await started.keep(response);
      }
      yield event;
    }
  }
  let status: Outcome["status"] = "failed";
  try {
    ({ status } = await writeEventStream(request, reply, events(), (event) => event, { done: false }));
  } finally {
    call.report({ output: text, usage, status });
  }
  return undefined;
}
