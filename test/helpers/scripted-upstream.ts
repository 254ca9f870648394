// A fake OpenAI-compatible model server on 127.0.0.1 (real HTTP) that records every body it is sent
// and answers with everything OpenAI's answers can carry: tool calls (whole and as deltas), refusals,
// logprobs, reasoning content and a system fingerprint. A test may script the next chat answer.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerResponses } from "./upstream-responses-api.ts";

export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
}

/** The assistant message (non-streamed) or deltas (streamed) of the next chat answers. */
export interface ChatScript {
  message: Record<string, unknown>;
  deltas: Array<Record<string, unknown>>;
  finishReason: string;
}

export interface ScriptedUpstream {
  baseURL: string;
  requests: RecordedRequest[];
  /** The chat answer given until changed; `reset()` restores the rich default. */
  script: ChatScript;
  /** Answers for the next chat requests, one each, before `script` applies again. */
  queue: ChatScript[];
  reset(): void;
  /** The last body sent to a path ending so. */
  last(path: string): Record<string, unknown>;
  close(): Promise<void>;
}

export const upstreamLogprobs = {
  content: [{ token: "Hi", logprob: -0.25, bytes: [72, 105], top_logprobs: [] }],
  refusal: null,
};

export const richScript = (): ChatScript => ({
  message: {
    role: "assistant",
    content: "Hi",
    refusal: null,
    reasoning_content: "thinking briefly",
    tool_calls: [
      { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"city":"Oslo"}' } },
    ],
  },
  deltas: [
    { role: "assistant", content: "", reasoning_content: "thinking " },
    { content: "Hi" },
    { refusal: "I can't do that part" },
    {
      tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "lookup", arguments: "" } }],
    },
    { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
  ],
  finishReason: "tool_calls",
});

const usage = { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 };

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const state: ScriptedUpstream = {
    baseURL: "",
    requests: [],
    script: richScript(),
    queue: [],
    reset() {
      state.requests.length = 0;
      state.queue.length = 0;
      state.script = richScript();
    },
    last(path) {
      const found = state.requests.findLast((request) => request.path.endsWith(path));
      if (!found) throw new Error(`nothing was sent to ${path}`);
      return found.body;
    },
    close: async () => undefined,
  };
  const json = (response: ServerResponse, body: unknown) =>
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let raw = "";
    for await (const chunk of request) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = request.url ?? "";
    state.requests.push({ path, body });
    const model = String(body.model);
    const base = {
      id: "upstream-id",
      created: 1,
      model,
      system_fingerprint: "fp_upstream",
      service_tier: "scale",
    };
    if (path.endsWith("/embeddings")) {
      json(response, {
        object: "list",
        model,
        data: [{ object: "embedding", index: 0, embedding: [0.5, 0.25] }],
        usage: { prompt_tokens: 2, total_tokens: 2 },
      });
      return;
    }
    if (path.endsWith("/responses")) {
      answerResponses(response, body);
      return;
    }
    if (path.endsWith("/completions") && !path.endsWith("/chat/completions")) {
      const choice = { index: 0, text: "done", finish_reason: "stop", logprobs: { tokens: ["done"] } };
      if (!body.stream) {
        json(response, { ...base, object: "text_completion", choices: [choice], usage });
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(
        `data: ${JSON.stringify({ ...base, object: "text_completion", choices: [choice] })}\n\n`,
      );
      response.end("data: [DONE]\n\n");
      return;
    }
    const { message, deltas, finishReason } = state.queue.shift() ?? state.script;
    if (!body.stream) {
      json(response, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message, finish_reason: finishReason, logprobs: upstreamLogprobs }],
        usage,
      });
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`;
    deltas.forEach((delta, index) =>
      response.write(
        chunk([
          { index: 0, delta, finish_reason: null, ...(index === 1 ? { logprobs: upstreamLogprobs } : {}) },
        ]),
      ),
    );
    response.write(chunk([{ index: 0, delta: {}, finish_reason: finishReason }]));
    response.write(chunk([], { usage }));
    response.end("data: [DONE]\n\n");
  };
  const server = createServer((request, response) => {
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

/** A plain text answer, whole or in two deltas. */
export function textScript(text: string): ChatScript {
  const half = Math.ceil(text.length / 2);
  return {
    message: { role: "assistant", content: text, refusal: null },
    deltas: [{ role: "assistant", content: text.slice(0, half) }, { content: text.slice(half) }],
    finishReason: "stop",
  };
}

/** One function call, whole or as deltas. */
export function toolCallScript(name: string, args: string, id = "call_1"): ChatScript {
  return {
    message: {
      role: "assistant",
      content: null,
      tool_calls: [{ id, type: "function", function: { name, arguments: args } }],
    },
    deltas: [
      {
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }],
      },
      { tool_calls: [{ index: 0, function: { arguments: args } }] },
    ],
    finishReason: "tool_calls",
  };
}
