// A small fake OpenAI-compatible model server on 127.0.0.1, speaking real HTTP. It stands in for
// vLLM or llama-server, which are outside the system; tests choose how it behaves per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export type Behaviour =
  | { kind: "echo" }
  | { kind: "status"; status: number; body: unknown }
  | { kind: "hang" }
  /** Stream `chunks` words one every `intervalMs`, so a test can cancel half-way. */
  | { kind: "slow-stream"; chunks: number; intervalMs: number }
  /** Embeddings requests wait for `open` (others are echoed), so a test can act while one is in flight. */
  | { kind: "gated-embeddings"; open: Promise<void> };

export interface FakeUpstream {
  baseURL: string;
  requests: SeenRequest[];
  behaviour: Behaviour;
  /** Resolves with how many chunks were written when a streaming response's connection closed early. */
  aborted: Promise<number>;
  close(): Promise<void>;
}

function reply(text: string, model: string) {
  return {
    id: "chatcmpl-upstream",
    object: "chat.completion",
    created: 1,
    model,
    choices: [
      { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop", logprobs: null },
    ],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  };
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = body.messages as Array<{ content: unknown }>;
  const content = messages.at(-1)?.content;
  return typeof content === "string" ? content : "";
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  let signalAborted!: (chunks: number) => void;
  const state: FakeUpstream = {
    baseURL: "",
    requests: [],
    behaviour: { kind: "echo" },
    aborted: new Promise((resolve) => (signalAborted = resolve)),
    close: async () => undefined,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let raw = "";
    for await (const chunk of request) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    state.requests.push({ path: request.url ?? "", headers: request.headers, body });
    const behaviour = state.behaviour;
    const model = String(body.model);
    if (request.url === "/v1/models") {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ object: "list", data: [] }));
      return;
    }
    if (behaviour.kind === "hang") return;
    if (behaviour.kind === "status") {
      response
        .writeHead(behaviour.status, { "content-type": "application/json" })
        .end(JSON.stringify(behaviour.body));
      return;
    }
    if (request.url === "/v1/embeddings") {
      if (behaviour.kind === "gated-embeddings") await behaviour.open;
      // One 3-dimensional vector per input, derived from its length, so tests can check the order.
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          object: "list",
          model,
          data: inputs.map((input, index) => ({
            object: "embedding",
            index,
            embedding: [String(input).length, index, 0.5],
          })),
          usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
        }),
      );
      return;
    }
    if (request.url === "/v1/completions") {
      const text = `echo: ${String(body.prompt)}`;
      if (!body.stream) {
        response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "cmpl-upstream",
            object: "text_completion",
            created: 1,
            model,
            choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }],
            usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
          }),
        );
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
      for (const word of text.split(/(?<= )/)) {
        response.write(
          event({
            id: "u",
            object: "text_completion",
            created: 1,
            model,
            choices: [{ index: 0, text: word, finish_reason: null }],
          }),
        );
      }
      response.write(
        event({
          id: "u",
          object: "text_completion",
          created: 1,
          model,
          choices: [{ index: 0, text: "", finish_reason: "stop" }],
        }),
      );
      response.write(
        event({
          id: "u",
          object: "text_completion",
          created: 1,
          model,
          choices: [],
          usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
        }),
      );
      response.end("data: [DONE]\n\n");
      return;
    }
    const text = `echo: ${lastUserText(body)}`;
    if (!body.stream) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply(text, model)));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const words =
      behaviour.kind === "slow-stream"
        ? Array.from({ length: behaviour.chunks }, (_, i) => `w${i} `)
        : text.split(/(?<= )/);
    const interval = behaviour.kind === "slow-stream" ? behaviour.intervalMs : 0;
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id: "u", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    let written = 0;
    let closed = false;
    response.on("close", () => {
      if (!response.writableFinished) {
        closed = true;
        signalAborted(written);
      }
    });
    response.write(chunk({ role: "assistant", content: "" }, null));
    for (const word of words) {
      if (closed) return;
      if (interval) await new Promise((resolve) => setTimeout(resolve, interval));
      if (closed) return;
      response.write(chunk({ content: word }, null));
      written += 1;
    }
    response.write(chunk({}, "stop"));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      response.write(
        `data: ${JSON.stringify({ id: "u", object: "chat.completion.chunk", created: 1, model, choices: [], usage: { prompt_tokens: 7, completion_tokens: words.length, total_tokens: 7 + words.length } })}\n\n`,
      );
    }
    response.end("data: [DONE]\n\n");
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
