import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustodianError } from "../core/errors.ts";
import type { LanguageModel, StreamPart, TextStreamPart } from "./language-model.ts";
import { OpenAICompatibleProvider } from "./openai-compatible-provider.ts";

/** What the next streamed response sends: pieces written one after another, each its own write. */
let pieces: string[] = [];

const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
const delta = (content: string, finish: string | null = null, index = 0) =>
  event({
    id: "chatcmpl-upstream",
    object: "chat.completion.chunk",
    created: 1,
    model: "upstream-name",
    choices: [{ index, delta: { content }, finish_reason: finish }],
  });

describe("the OpenAI-compatible provider's streams", () => {
  let server: Server;
  let provider: OpenAICompatibleProvider;
  let model: LanguageModel;

  /** Connections the fake upstream has accepted so far. */
  let connections = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.once("end", () => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        const writes = pieces;
        const next = (index: number): void => {
          if (index >= writes.length - 1) {
            // The last piece and the end of the body together, as a fast upstream sends them.
            response.end(writes[index]);
            return;
          }
          response.write(writes[index]);
          // Separate turns, so the provider sees separate reads as well as several events per read.
          setTimeout(() => next(index + 1), 2);
        };
        next(0);
      });
    });
    server.on("connection", () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    provider = new OpenAICompatibleProvider(
      {
        name: "fake",
        baseURL: `http://127.0.0.1:${port}/v1`,
        apiKey: null,
        models: [{ id: "alias", upstreamId: "upstream-name" }],
      },
      { timeoutMs: 2_000 },
    );
    model = provider.models()[0]!;
  });
  afterAll(async () => {
    await provider?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  const signal = new AbortController().signal;
  const request = { model: "alias", messages: [{ role: "user" as const, content: "hi" }] };

  async function collect<Part>(parts: AsyncIterable<Part>): Promise<{ parts: Part[]; error: unknown }> {
    const collected: Part[] = [];
    try {
      for await (const part of parts) collected.push(part);
    } catch (error) {
      return { parts: collected, error };
    }
    return { parts: collected, error: null };
  }

  it("yields every choice and the usage, from many events per read and events split across reads", async () => {
    const usage = { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 };
    const split = delta(" c");
    pieces = [
      delta("a") + delta(" b") + split.slice(0, 9),
      split.slice(9) + delta("", "stop") + event({ choices: [], usage }),
      "data: [DONE]\n\n" + delta("after done"),
    ];
    const { parts, error } = await collect(model.stream(request, { signal }));
    expect(error).toBeNull();
    expect(parts).toEqual([
      { type: "delta", index: 0, delta: { content: "a" }, finishReason: null },
      { type: "delta", index: 0, delta: { content: " b" }, finishReason: null },
      { type: "delta", index: 0, delta: { content: " c" }, finishReason: null },
      { type: "delta", index: 0, delta: { content: "" }, finishReason: "stop" },
      { type: "usage", usage },
    ] satisfies StreamPart[]);
  });

  it("fails a stream with a malformed event after yielding the events before it, without its content", async () => {
    pieces = [delta("good") + "data: {not json, secret words\n\n" + delta("never")];
    const { parts, error } = await collect(model.stream(request, { signal }));
    expect(parts).toEqual([{ type: "delta", index: 0, delta: { content: "good" }, finishReason: null }]);
    expect(error).toBeInstanceOf(CustodianError);
    expect(error).toMatchObject({ status: 502, message: "The model server 'fake' sent a malformed stream." });

    for (const malformed of ["null", "7", '{"choices":"abc"}', '{"choices":[null]}']) {
      pieces = [`data: ${malformed}\n\n`];
      const result = await collect(model.stream(request, { signal }));
      expect(result.parts).toEqual([]);
      expect(result.error).toMatchObject({ status: 502, message: expect.stringMatching(/malformed stream/) });
    }
  });

  it("fails a stream whose upstream reports an error mid-stream", async () => {
    pieces = [delta("one"), event({ error: { message: "upstream internals" } })];
    const { parts, error } = await collect(model.stream(request, { signal }));
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, message: "The model server 'fake' failed mid-stream." });
  });

  it("streams text completions the same way", async () => {
    const text = (value: string, finish: string | null = null) =>
      event({
        id: "u",
        object: "text_completion",
        choices: [{ index: 0, text: value, finish_reason: finish }],
      });
    pieces = [text("x") + text("y"), text("", "length") + "data: [DONE]\n\n"];
    const { parts, error } = await collect(
      model.streamCompletion!({ model: "alias", prompt: "p" }, { signal }),
    );
    expect(error).toBeNull();
    expect(parts).toEqual([
      { type: "text", index: 0, text: "x", finishReason: null },
      { type: "text", index: 0, text: "y", finishReason: null },
      { type: "text", index: 0, text: "", finishReason: "length" },
    ] satisfies TextStreamPart[]);
  });

  it("reads chunks that differ only in their text as a full parse would, sharing their fields", async () => {
    const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      event({
        id: "u",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        ...extra,
        choices: [choice],
      });
    const text = (content: string, extra: Record<string, unknown> = {}) =>
      chunk({ index: 0, delta: { content }, logprobs: null, finish_reason: null }, extra);
    const fingerprint = { system_fingerprint: "fp-1" };
    const learnt = text("one", fingerprint);
    // What a template learnt from `learnt` would wrongly read as its text: two members, not one string.
    const [before, after] = learnt.split('"one"');
    const events = [
      chunk({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }, fingerprint),
      learnt,
      text(" two", fingerprint),
      text(' "quoted" \\ é\n', fingerprint),
      `${before}"three","role":"assistant"${after}`,
      text(" four", { system_fingerprint: "fp-2" }),
      chunk({ index: 0, delta: { content: " five" }, logprobs: { content: [] }, finish_reason: null }),
      text(" six"),
      chunk({ index: 0, delta: {}, finish_reason: "stop" }),
    ];
    pieces = [events.slice(0, 4).join(""), events.slice(4).join("") + "data: [DONE]\n\n"];
    const { parts, error } = await collect(model.stream(request, { signal }));
    expect(error).toBeNull();
    // The parts a full parse of every event makes.
    const expected = events.map((data) => {
      const {
        choices,
        id: _id,
        object: _object,
        created: _created,
        model: _model,
        ...fields
      } = JSON.parse(data.slice("data: ".length)) as {
        choices: Array<Record<string, unknown>>;
        [field: string]: unknown;
      };
      const choice = choices[0]!;
      return {
        type: "delta",
        index: choice.index,
        delta: choice.delta,
        finishReason: choice.finish_reason,
        ...(choice.logprobs !== undefined && { logprobs: choice.logprobs }),
        ...(Object.keys(fields).length > 0 && { fields }),
      };
    });
    expect(parts).toStrictEqual(expected);
    expect(expected[4]).toMatchObject({ delta: { content: "three", role: "assistant" } });
    // Parts read through a template share the fields object of the chunk it was learnt from.
    const fieldsOf = (index: number) => (parts[index] as { fields?: unknown }).fields;
    expect(fieldsOf(2)).toBe(fieldsOf(1));
    expect(fieldsOf(3)).toBe(fieldsOf(1));
    // Positive control: a chunk parsed in full has its own.
    expect(fieldsOf(1)).not.toBe(fieldsOf(0));
  });

  it("keeps the upstream connection for the next request after [DONE], and cuts a stream left early", async () => {
    pieces = [delta("x"), delta("", "stop") + "data: [DONE]\n\n"];
    await collect(model.stream(request, { signal }));
    const before = connections;
    for (let round = 0; round < 3; round += 1) {
      const { error } = await collect(model.stream(request, { signal }));
      expect(error).toBeNull();
    }
    expect(connections).toBe(before);

    // Positive control: a stream the caller leaves before its end closes its connection, so the next
    // request needs a new one.
    pieces = [delta("a"), delta("b"), delta("c"), "data: [DONE]\n\n"];
    for await (const part of model.stream(request, { signal })) {
      expect(part).toMatchObject({ type: "delta" });
      break;
    }
    pieces = ["data: [DONE]\n\n"];
    await collect(model.stream(request, { signal }));
    expect(connections).toBe(before + 1);
  });
});
