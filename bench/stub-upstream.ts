// A fast stub OpenAI-compatible upstream (fixed chat completion, model list) for measuring gateway overhead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export const STUB_MODEL = "stub-model";

// Serialised once: the stub should cost as little as possible, so that what a benchmark measures is the
// gateway in front of it.
const completionBody = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: 1_700_000_000,
    model: STUB_MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello from the stub upstream." },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 6, total_tokens: 7 },
  }),
);

const modelsBody = Buffer.from(
  JSON.stringify({
    object: "list",
    data: [{ id: STUB_MODEL, object: "model", created: 1_700_000_000, owned_by: "stub" }],
  }),
);

const notFoundBody = Buffer.from(
  JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }),
);

/** Streamed completions: this many content chunks, then a final chunk with the finish reason, then [DONE]. */
export const STREAM_CHUNKS_VARIABLE = "STUB_STREAM_CHUNKS";
/** Milliseconds between streamed chunks; 0 writes them back to back (chunk throughput), more holds streams open. */
export const STREAM_INTERVAL_VARIABLE = "STUB_STREAM_INTERVAL_MS";

function chunkEvent(delta: Record<string, string>, finishReason: string | null): Buffer {
  const chunk = {
    id: "chatcmpl-stub",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: STUB_MODEL,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
}

// Prepared once, like the JSON body: the first chunk carries the role, the others one short word each.
const firstChunk = chunkEvent({ role: "assistant", content: "" }, null);
const wordChunk = chunkEvent({ content: " word" }, null);
const lastChunk = chunkEvent({}, "stop");
const doneEvent = Buffer.from("data: [DONE]\n\n");

/** A body asks for a stream when it says `"stream": true`; matched without parsing, to keep the stub cheap. */
const streamPattern = /"stream"\s*:\s*true/;

function sendStream(response: ServerResponse, chunks: number, intervalMs: number): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(firstChunk);
  if (intervalMs <= 0) {
    for (let index = 0; index < chunks; index += 1) response.write(wordChunk);
    response.write(lastChunk);
    response.end(doneEvent);
    return;
  }
  let written = 0;
  const timer = setInterval(() => {
    if (response.destroyed) {
      clearInterval(timer);
      return;
    }
    if (written < chunks) {
      written += 1;
      response.write(wordChunk);
      return;
    }
    clearInterval(timer);
    response.write(lastChunk);
    response.end(doneEvent);
  }, intervalMs);
  response.once("close", () => clearInterval(timer));
}

/** A non-OpenAI endpoint counting the completions served, to check that a gateway really forwarded. */
export const STATS_PATH = "/_stub/stats";

export interface StubStats {
  chat_completions: number;
}

export interface StubUpstream {
  server: Server;
  port: number;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: Buffer): void {
  response.writeHead(status, { "content-type": "application/json", "content-length": body.length });
  response.end(body);
}

export async function startStubUpstream(
  port = 0,
  host = "127.0.0.1",
  stream: { chunks: number; intervalMs: number } = { chunks: 64, intervalMs: 0 },
): Promise<StubUpstream> {
  const stats: StubStats = { chat_completions: 0 };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // The body is read to its end before answering so the keep-alive connection stays usable; the stub
    // only looks at whether it asks for a stream.
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.once("end", () => {
      const path = request.url?.split("?")[0];
      if (request.method === "POST" && path === "/v1/chat/completions") {
        stats.chat_completions += 1;
        if (streamPattern.test(body)) sendStream(response, stream.chunks, stream.intervalMs);
        else send(response, 200, completionBody);
      } else if (request.method === "GET" && path === "/v1/models") {
        send(response, 200, modelsBody);
      } else if (request.method === "GET" && path === STATS_PATH) {
        send(response, 200, Buffer.from(JSON.stringify(stats)));
      } else {
        send(response, 404, notFoundBody);
      }
    });
  });
  // Longer than the idle timeouts of the gateways' connection pools, so the stub never closes a pooled
  // connection just as a gateway reuses it (which would show up as spurious 502s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("stub upstream has no port");
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run on its own (`node bench/stub-upstream.ts [port]`) the stub prints one JSON line with its port, which is
// how the benchmarks start it in a separate process, away from the load generator's event loop.
if (import.meta.main) {
  const requestedPort = Number(process.argv[2] ?? process.env.STUB_PORT ?? 0);
  const stub = await startStubUpstream(requestedPort, "127.0.0.1", {
    chunks: Number(process.env[STREAM_CHUNKS_VARIABLE] ?? 64),
    intervalMs: Number(process.env[STREAM_INTERVAL_VARIABLE] ?? 0),
  });
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${stub.port}/v1`, port: stub.port }));
  const shutdown = (): void => void stub.close().then(() => process.exit(0));
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
