// Writes a model's parts as server-sent events in OpenAI's framing ("data: {json}", then "data: [DONE]").
// The first part is awaited before any byte is sent, so a refusal (429, 503) still gets its own status
// code, headers and error object; a failure after that is sent as a final error event.
import type { FastifyReply, FastifyRequest } from "fastify";
import { toErrorResponse } from "./error-handler.ts";

export interface EventStreamOutcome {
  status: "completed" | "failed" | "cancelled";
}

export async function writeEventStream<Part>(
  request: FastifyRequest,
  reply: FastifyReply,
  parts: AsyncIterable<Part>,
  /** The event for a part, or null to send nothing for it. */
  render: (part: Part) => unknown,
  /** OpenAI's framing ends with "data: [DONE]"; the web app's own streams end with their last event. */
  options: { done: boolean } = { done: true },
): Promise<EventStreamOutcome> {
  const iterator = parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
  let status: EventStreamOutcome["status"] = "failed";
  try {
    while (!next.done) {
      const event = render(next.value);
      if (event !== null) send(event);
      if (response.destroyed) return { status: "cancelled" };
      next = await iterator.next();
    }
    if (options.done) response.write("data: [DONE]\n\n");
    status = "completed";
  } catch (error) {
    if (!response.destroyed) {
      const failure = toErrorResponse(error, request.id);
      if (failure.status >= 500)
        request.log.error({ status: failure.status }, "stream failed after it started");
      send(failure.body);
    }
  } finally {
    await iterator.return?.();
    response.end();
  }
  return { status };
}
