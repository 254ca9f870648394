// The Responses API of the scripted upstream (a model server with its own /v1/responses, as OpenAI's
// or vLLM's): a fixed answer with a message and a hosted tool's item, whole or as typed events, with
// the upstream's own ids, so a test sees them replaced by Custodian's.
import type { ServerResponse } from "node:http";

export const upstreamResponseText = "upstream responses answer";

function answer(model: string, status: "in_progress" | "completed"): Record<string, unknown> {
  const done = status === "completed";
  return {
    id: "resp_upstream0000000000000000",
    object: "response",
    created_at: 1,
    status,
    model,
    store: false,
    output: done
      ? [
          { type: "web_search_call", id: "ws_upstream1", status: "completed" },
          {
            type: "message",
            id: "msg_upstream2",
            status: "completed",
            role: "assistant",
            content: [{ type: "output_text", text: upstreamResponseText, annotations: [] }],
          },
        ]
      : [],
    usage: done ? { input_tokens: 7, output_tokens: 3, total_tokens: 10 } : null,
    service_tier: "default",
  };
}

export function answerResponses(response: ServerResponse, body: Record<string, unknown>): void {
  const model = String(body.model);
  if (body.stream !== true) {
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(answer(model, "completed")));
    return;
  }
  const final = answer(model, "completed");
  const [search, message] = final.output as Array<Record<string, unknown>>;
  const events: Array<Record<string, unknown>> = [
    { type: "response.created", response: answer(model, "in_progress") },
    { type: "response.output_item.added", output_index: 0, item: search },
    { type: "response.output_item.done", output_index: 0, item: search },
    {
      type: "response.output_item.added",
      output_index: 1,
      item: { ...message, content: [], status: "in_progress" },
    },
    ...upstreamResponseText.split(" ").map((word, index) => ({
      type: "response.output_text.delta",
      item_id: "msg_upstream2",
      output_index: 1,
      content_index: 0,
      delta: index === 0 ? word : ` ${word}`,
    })),
    { type: "response.output_item.done", output_index: 1, item: message },
    { type: "response.completed", response: final },
  ];
  response.writeHead(200, { "content-type": "text/event-stream" });
  events.forEach((event, index) =>
    response.write(
      `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: index })}\n\n`,
    ),
  );
  response.end();
}
